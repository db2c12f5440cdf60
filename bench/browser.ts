/**
 * Browser-side figures for `npm run bench` (also runnable alone: `npm run build && node --import tsx
 * bench/browser.ts`, or `… bench/browser.ts --http` for the HTTP figure only):
 *  - the browser bundle of the main entry alone, and with tfjs-checkpoint/keras (tfjs external), min+gzip;
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
const sizes = require('../scripts/bundle-size.js') as Record<
  'packageBundleSize' | 'packageWithKerasBundleSize',
  () => Promise<{ minBytes: number; gzipBytes: number }>
>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bundleFiles, encodeBundle } = require('../dist/bundle') as typeof import('../src/bundle');

const DIR = path.join(
  process.env['TFJS_CHECKPOINT_BENCH_DIR'] ?? path.join(os.tmpdir(), 'tfjs-checkpoint-bench'),
  'http100',
);
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
    return {
      key: `w${String(i).padStart(3, '0')}/.ATTRIBUTES/VARIABLE_VALUE`,
      value: { dtype: 'float32' as const, shape: [ELEMENTS], data },
    };
  });
  for (const [name, bytes] of Object.entries(bundleFiles('ckpt', encodeBundle(tensors))))
    fs.writeFileSync(path.join(DIR, name), bytes);
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
    if (!m)
      return void fs.createReadStream(file).pipe(res.writeHead(200, { 'content-length': size, etag: `"${size}"` }));
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), size - 1);
    res.writeHead(206, {
      'content-range': `bytes ${start}-${end}/${size}`,
      'content-length': end - start + 1,
      etag: `"${size}"`,
    });
    fs.createReadStream(file, { start, end }).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server: 'node:http',
    dataGets: () => dataGets,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

export interface HttpFigures {
  server: string;
  bytes: number;
  /** Medians of the interleaved runs. */
  restoreSeconds: number;
  oneGetSeconds: number;
  /** The median of each pair's restore / GET: the target's figure. */
  ratio: number;
  /** restoreSeconds / oneGetSeconds. */
  ratioOfMedians: number;
  /** The best of the same runs (what each costs when the machine's other load leaves it alone), and their ratio. */
  bestRestoreSeconds: number;
  bestOneGetSeconds: number;
  bestRatio: number;
  pairs: number;
  requests: number;
  runs: number;
}

export interface BrowserFigures {
  bundle: { minBytes: number; gzipBytes: number };
  bundleWithKeras: { minBytes: number; gzipBytes: number };
  crc32cPortableGBps: number;
  http: HttpFigures;
}

/**
 * The ≈100 MB restore over loopback HTTP against one GET of the same file. Both read the file from the same warm
 * server through the same fetch, into buffers of their own, and are timed in interleaved pairs (GET then restore,
 * then restore then GET, …) after one warm-up of each, so load that comes and goes on a shared machine falls on
 * both alike. The target's figure is the median of the pairs' own ratios (each pair met about the same load); the
 * ratio of the medians and of the best runs are printed beside it, to show how far that load moved them. The restore is the whole of it: a new
 * HttpFileSystem, opening the checkpoint (its index), reading and checksumming every tensor.
 */
export async function httpFigures(pairs = 15): Promise<HttpFigures> {
  setLogger({ warn: () => undefined });
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
    const timed = async (fn: () => Promise<void>): Promise<number> => {
      const t = performance.now();
      await fn();
      return (performance.now() - t) / 1000;
    };
    await oneGet();
    await restore();
    const gets: number[] = [];
    const restores: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < pairs; i++) {
      let get: number;
      let rest: number;
      if (i % 2 === 0) {
        get = await timed(oneGet);
        rest = await timed(restore);
      } else {
        rest = await timed(restore);
        get = await timed(oneGet);
      }
      gets.push(get);
      restores.push(rest);
      ratios.push(rest / get);
    }
    // The tensors are written back to back: one contiguous run in the one data file.
    const best = (xs: number[]): number => Math.min(...xs);
    return {
      server: server.server,
      bytes,
      restoreSeconds: median(restores),
      oneGetSeconds: median(gets),
      ratio: median(ratios),
      ratioOfMedians: median(restores) / median(gets),
      bestRestoreSeconds: best(restores),
      bestOneGetSeconds: best(gets),
      bestRatio: best(restores) / best(gets),
      pairs,
      requests,
      runs: 1,
    };
  } finally {
    await server.stop();
  }
}

export async function browserFigures(runs = 5): Promise<BrowserFigures> {
  setLogger({ warn: () => undefined });
  const bundle = await sizes.packageBundleSize();
  const bundleWithKeras = await sizes.packageWithKerasBundleSize();

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
  // At least 15 pairs: a pair takes about a second, and few pairs may all meet the machine's other load.
  return { bundle, bundleWithKeras, crc32cPortableGBps, http: await httpFigures(Math.max(15, runs)) };
}

function httpLine(h: HttpFigures): string {
  return (
    `http (${h.server}, loopback): ${(h.bytes / 1e6).toFixed(0)} MB restore ${h.restoreSeconds.toFixed(3)} s vs one GET ${h.oneGetSeconds.toFixed(3)} s ` +
    `(medians of ${h.pairs} interleaved pairs) = ${h.ratioOfMedians.toFixed(2)} ×, median pair ratio ${h.ratio.toFixed(2)} ×; ` +
    `best ${h.bestRestoreSeconds.toFixed(3)} s vs ${h.bestOneGetSeconds.toFixed(3)} s = ${h.bestRatio.toFixed(2)} ×; ${h.requests} data request(s) for ${h.runs} contiguous run(s)`
  );
}

function httpTargets(h: HttpFigures): Array<[string, boolean, string]> {
  return [
    ['100 MB HTTP restore ≤ 1.3 × one GET', h.ratio <= 1.3, `${h.ratio.toFixed(2)} × (median pair ratio)`],
    ['≤ 1 request per contiguous run', h.requests <= h.runs, `${h.requests} for ${h.runs}`],
  ];
}

export function browserLines(f: BrowserFigures): { lines: string[]; targets: Array<[string, boolean, string]> } {
  const kB = (n: number): string => (n / 1000).toFixed(1);
  return {
    lines: [
      `browser: package-only bundle ${kB(f.bundle.minBytes)} kB min, ${kB(f.bundle.gzipBytes)} kB min+gzip (tfjs external)`,
      `browser: with tfjs-checkpoint/keras ${kB(f.bundleWithKeras.minBytes)} kB min, ${kB(f.bundleWithKeras.gzipBytes)} kB min+gzip`,
      `browser: portable JS crc32c (crc-32, slicing-by-16) ${f.crc32cPortableGBps.toFixed(2)} GB/s in V8`,
      httpLine(f.http),
    ],
    targets: [
      ['package-only browser bundle ≤ 60 kB min+gzip', f.bundle.gzipBytes <= 60_000, `${kB(f.bundle.gzipBytes)} kB`],
      ...httpTargets(f.http),
    ],
  };
}

if (require.main === module) {
  const runs = Number(process.env['BENCH_RUNS'] ?? 5);
  const httpOnly = process.argv.includes('--http');
  (httpOnly
    ? httpFigures(Math.max(15, runs)).then((h) => ({ lines: [httpLine(h)], targets: httpTargets(h) }))
    : browserFigures(runs).then(browserLines)
  )
    .then(({ lines, targets }) => {
      console.log(
        [...lines, '', ...targets.map(([n, ok, d]) => `${ok ? 'met    ' : 'NOT MET'}  ${n.padEnd(40)} ${d}`)].join(
          '\n',
        ),
      );
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
