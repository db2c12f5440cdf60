/**
 * Browser-side figures for `npm run bench` (also runnable alone: `node --import tsx bench/browser.ts`):
 *  - the package-only browser bundle (tfjs external), min+gzip;
 *  - the portable JavaScript crc32c browsers use (V8, as in Chromium);
 *  - a ≈100 MB restore over loopback HTTP (nginx when installed, else a Node server) against one GET of the same
 *    bytes, and the requests the restore sent per contiguous run of needed bytes.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import * as portableCrc32c from 'crc-32/crc32c';

import { NGINX_BIN, Nginx } from '../test/helpers/nginx';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CheckpointReader, HttpFileSystem, setLogger } = require('../dist') as typeof import('../src');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { packageBundleSize } = require('../scripts/bundle-size.js') as { packageBundleSize: () => Promise<{ minBytes: number; gzipBytes: number }> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bundleFiles, encodeBundle } = require('../dist/bundle') as typeof import('../src/bundle');

const DIR = path.join(process.env['TFJS_CHECKPOINT_BENCH_DIR'] ?? path.join(os.tmpdir(), 'tfjs-checkpoint-bench'), 'http100');
const TENSORS = 50;
const ELEMENTS = 500_000; // 50 × 2 MB = 100 MB of float32

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A ≈100 MB checkpoint of 50 float32 tensors, written once by this package's encoder. */
async function ensureCheckpoint(): Promise<string> {
  const prefix = path.join(DIR, 'ckpt');
  if (fs.existsSync(`${prefix}.index`)) return prefix;
  fs.mkdirSync(DIR, { recursive: true });
  const tensors = Array.from({ length: TENSORS }, (_, i) => {
    const data = new Float32Array(ELEMENTS);
    for (let j = 0; j < ELEMENTS; j++) data[j] = Math.sin(i * 1000 + j);
    return { key: `w${String(i).padStart(3, '0')}/.ATTRIBUTES/VARIABLE_VALUE`, value: { dtype: 'float32' as const, shape: [ELEMENTS], data } };
  });
  for (const [name, bytes] of Object.entries(bundleFiles('ckpt', encodeBundle(tensors)))) fs.writeFileSync(path.join(DIR, name), bytes);
  return prefix;
}

/** Serves DIR on 127.0.0.1: nginx when installed (a real server), else Node's http with Range. */
async function serve(): Promise<{ base: string; server: string; dataGets(): number; stop(): Promise<void> }> {
  if (NGINX_BIN !== null) {
    const nginx = new Nginx({ '/ckpt': DIR });
    await nginx.start();
    return {
      base: `${nginx.base}/ckpt`,
      server: 'nginx',
      dataGets: () => nginx.requests().filter((r) => r.method === 'GET' && /\.data-/.test(r.path)).length,
      stop: () => nginx.stop(),
    };
  }
  let dataGets = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url!.includes('.data-')) dataGets++;
    const file = path.join(DIR, path.basename(new URL(req.url!, 'http://x').pathname));
    if (!fs.existsSync(file)) return void res.writeHead(404).end();
    const size = fs.statSync(file).size;
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': size, etag: `"${size}"` }).end();
    if (!m) return void fs.createReadStream(file).pipe(res.writeHead(200, { 'content-length': size, etag: `"${size}"` }));
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), size - 1);
    res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': end - start + 1, etag: `"${size}"` });
    fs.createReadStream(file, { start, end }).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server: 'node:http', dataGets: () => dataGets, stop: () => new Promise((r) => server.close(() => r())) };
}

export interface BrowserFigures {
  bundle: { minBytes: number; gzipBytes: number };
  crc32cPortableGBps: number;
  http: { server: string; bytes: number; restoreSeconds: number; oneGetSeconds: number; ratio: number; requests: number; runs: number };
}

export async function browserFigures(runs = 5): Promise<BrowserFigures> {
  setLogger({ warn: () => undefined });
  const bundle = await packageBundleSize();

  const buf = new Uint8Array(64 << 20);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 2654435761) >>> 24;
  portableCrc32c.buf(buf, 0);
  const crcTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    portableCrc32c.buf(buf, 0);
    crcTimes.push((performance.now() - t) / 1000);
  }
  const crc32cPortableGBps = buf.length / median(crcTimes) / 1e9;

  const prefix = await ensureCheckpoint();
  const data = fs.readdirSync(DIR).find((f) => f.includes('.data-'))!;
  const bytes = fs.statSync(path.join(DIR, data)).size;
  const server = await serve();
  try {
    const oneGet = async (): Promise<void> => {
      const res = await fetch(`${server.base}/${data}`);
      const reader = res.body!.getReader();
      const out = new Uint8Array(bytes);
      let at = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        out.set(value, at);
        at += value.length;
      }
      if (at !== bytes) throw new Error(`one GET: ${at} of ${bytes} bytes`);
    };
    let requests = 0;
    // Requests to the data file: the restore's own (nginx logs each as it ends).
    const restore = async (): Promise<void> => {
      const fsys = new HttpFileSystem(server.base);
      const reader = await CheckpointReader.open(path.basename(prefix), { fs: fsys });
      const before = server.dataGets();
      await reader.getTensors(reader.keys(), () => undefined);
      requests = server.dataGets() - before;
      await reader.close();
    };
    const time = async (fn: () => Promise<void>): Promise<number> => {
      await fn();
      const ts: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await fn();
        ts.push((performance.now() - t) / 1000);
      }
      return median(ts);
    };
    const oneGetSeconds = await time(oneGet);
    const restoreSeconds = await time(restore);
    // The tensors are written back to back: one contiguous run in the one data file.
    return { bundle, crc32cPortableGBps, http: { server: server.server, bytes, restoreSeconds, oneGetSeconds, ratio: restoreSeconds / oneGetSeconds, requests, runs: 1 } };
  } finally {
    await server.stop();
  }
}

export function browserLines(f: BrowserFigures): { lines: string[]; targets: Array<[string, boolean, string]> } {
  return {
    lines: [
      `browser: package-only bundle ${(f.bundle.minBytes / 1000).toFixed(1)} kB min, ${(f.bundle.gzipBytes / 1000).toFixed(1)} kB min+gzip (tfjs external)`,
      `browser: portable JS crc32c (crc-32, slicing-by-16) ${f.crc32cPortableGBps.toFixed(2)} GB/s in V8`,
      `http (${f.http.server}, loopback): ${(f.http.bytes / 1e6).toFixed(0)} MB restore ${f.http.restoreSeconds.toFixed(3)} s vs one GET ${f.http.oneGetSeconds.toFixed(3)} s = ${f.http.ratio.toFixed(2)} ×; ${f.http.requests} data request(s) for ${f.http.runs} contiguous run(s)`,
    ],
    targets: [
      ['package-only browser bundle ≤ 60 kB min+gzip', f.bundle.gzipBytes <= 60_000, `${(f.bundle.gzipBytes / 1000).toFixed(1)} kB`],
      ['100 MB HTTP restore ≤ 1.3 × one GET', f.http.ratio <= 1.3, `${f.http.ratio.toFixed(2)} ×`],
      ['≤ 1 request per contiguous run', f.http.requests <= f.http.runs, `${f.http.requests} for ${f.http.runs}`],
    ],
  };
}

if (require.main === module) {
  browserFigures(Number(process.env['BENCH_RUNS'] ?? 5))
    .then((f) => {
      const { lines, targets } = browserLines(f);
      console.log([...lines, '', ...targets.map(([n, ok, d]) => `${ok ? 'met    ' : 'NOT MET'}  ${n.padEnd(40)} ${d}`)].join('\n'));
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
