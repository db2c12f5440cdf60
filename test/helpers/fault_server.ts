/**
 * A loopback HTTP server for checkpoint files that misbehaves on request: it serves files of a directory in place
 * (read-only) with Range, strong ETags and If-Match, and a `fault` switches on one of the failures real servers
 * show. Every request is logged with the bytes of body it sent.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export type Fault =
  | 'none'
  /** Cuts the connection halfway through the body of the first `count` range responses of data files. */
  | 'drop'
  /** Answers 200 with the whole file to every GET. */
  | 'ignore-range'
  /** Answers ranges with a Content-Range one byte off. */
  | 'wrong-range'
  /** Answers the first `count` requests with 503. */
  | '503'
  /** Sends headers, then nothing, for range requests. */
  | 'stall'
  /** After `count` data-file requests, serves the files as a new version (new ETag, If-Match fails). */
  | 'replace'
  /** Answers HEAD with 405, as GET-only presigned URLs do. */
  | 'no-head'
  /** Sends no Content-Length (chunked) for HEAD and GET. */
  | 'no-length'
  /** Compresses responses with gzip. */
  | 'gzip'
  /** Claims in HEAD that every file is 3 GiB. */
  | 'huge-head';

export interface LoggedRequest {
  method: string;
  path: string;
  range: string | undefined;
  status: number;
  bytesSent: number;
  headers: http.IncomingHttpHeaders;
}

export class FaultServer {
  fault: Fault = 'none';
  /** How many requests the fault applies to (for drop, 503 and replace). */
  count = 1;
  readonly log: LoggedRequest[] = [];
  /** Extra files served from memory, by URL path (e.g. a hostile state file). */
  readonly virtual = new Map<string, Uint8Array>();
  private version = 0;
  private faultsLeft = 0;
  private inFlight = 0;
  maxInFlight = 0;
  private server!: http.Server;
  base = '';

  /** `mounts` maps URL path prefixes (`/corpus`) to directories served under them. */
  constructor(private readonly mounts: Record<string, string>) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  reset(fault: Fault = 'none', count = 1): void {
    this.fault = fault;
    this.count = count;
    this.faultsLeft = count;
    this.log.length = 0;
    this.maxInFlight = 0;
    this.version = 0;
  }

  /** Bytes of body sent for URL paths matching `pattern`. */
  bytesSent(pattern: RegExp): number {
    return this.log.filter((r) => pattern.test(r.path)).reduce((n, r) => n + r.bytesSent, 0);
  }

  private content(urlPath: string): Uint8Array | null {
    const v = this.virtual.get(urlPath);
    if (v !== undefined) return v;
    const mount = Object.keys(this.mounts).find((m) => urlPath.startsWith(`${m}/`));
    if (mount === undefined) return null;
    const dir = this.mounts[mount]!;
    const file = path.join(dir, urlPath.slice(mount.length));
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return null;
    return fs.readFileSync(file);
  }

  /** Whether responses carry CORS headers (pages on another origin can read them). */
  cors = true;

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.cors) {
      res.setHeader('access-control-allow-origin', '*');
      res.setHeader(
        'access-control-expose-headers',
        'content-range, etag, last-modified, content-length, content-encoding, accept-ranges',
      );
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, HEAD',
          'access-control-allow-headers': 'range, if-match, if-unmodified-since, authorization',
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
    }
    const urlPath = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    const entry: LoggedRequest = {
      method: req.method!,
      path: urlPath,
      range: req.headers.range,
      status: 0,
      bytesSent: 0,
      headers: req.headers,
    };
    this.log.push(entry);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.on('close', () => this.inFlight--);
    const send = (status: number, headers: http.OutgoingHttpHeaders, body?: Uint8Array): void => {
      entry.status = status;
      res.writeHead(status, headers);
      if (body !== undefined && req.method !== 'HEAD') {
        entry.bytesSent += body.length;
        res.end(body);
      } else res.end();
    };

    if (this.fault === '503' && this.faultsLeft > 0) {
      this.faultsLeft--;
      send(503, { 'content-length': 0 });
      return;
    }
    const isData = /\.data-\d+-of-\d+$/.test(urlPath);
    if (this.fault === 'replace' && isData && req.method === 'GET' && this.faultsLeft-- <= 0) this.version = 1;
    const bytes = this.content(urlPath);
    if (bytes === null) {
      send(404, { 'content-length': 0 });
      return;
    }
    const size = bytes.length;
    const etag = `"${size.toString(16)}-v${this.version}"`;
    if (req.method === 'HEAD' && this.fault === 'no-head') {
      send(405, { 'content-length': 0 });
      return;
    }
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== etag) {
      send(412, { 'content-length': 0 });
      return;
    }
    const common: http.OutgoingHttpHeaders = { etag, 'accept-ranges': 'bytes' };
    if (req.method === 'HEAD' && this.fault === 'huge-head') {
      send(200, { ...common, 'content-length': 3 * 2 ** 30 });
      return;
    }
    if (req.method === 'HEAD') {
      send(200, this.fault === 'no-length' ? common : { ...common, 'content-length': size });
      return;
    }

    const m = this.fault === 'ignore-range' ? null : /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (m === null) {
      if (this.fault === 'gzip') {
        send(200, { ...common, 'content-encoding': 'gzip' }, zlib.gzipSync(bytes));
        return;
      }
      send(200, this.fault === 'no-length' ? common : { ...common, 'content-length': size }, bytes);
      return;
    }
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), size - 1);
    if (start >= size) {
      send(416, { 'content-range': `bytes */${size}` });
      return;
    }
    const body = bytes.subarray(start, end + 1);
    const shift = this.fault === 'wrong-range' ? 1 : 0;
    const headers: http.OutgoingHttpHeaders = {
      ...common,
      'content-range': `bytes ${start + shift}-${end + shift}/${size}`,
    };
    if (this.fault === 'gzip') {
      send(206, { ...headers, 'content-encoding': 'gzip' }, zlib.gzipSync(body));
      return;
    }
    if (this.fault === 'stall') {
      entry.status = 206;
      res.writeHead(206, { ...headers, 'content-length': body.length });
      res.flushHeaders();
      return;
    }
    if (this.fault === 'drop' && isData && this.faultsLeft > 0 && body.length > 1) {
      this.faultsLeft--;
      entry.status = 206;
      res.writeHead(206, { ...headers, 'content-length': body.length });
      const half = body.subarray(0, body.length >> 1);
      entry.bytesSent += half.length;
      res.write(half, () => setTimeout(() => res.destroy(), 10));
      return;
    }
    send(206, this.fault === 'no-length' ? headers : { ...headers, 'content-length': body.length }, body);
  }
}
