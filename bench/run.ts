/**
 * npm run bench: restore speed and memory against the machine's limit, TensorFlow's own restore and tfjs's own
 * weight loading, on the same files in the same run. Warm-up + 5 runs per contender, medians; prints a table with
 * the targets met or not, and writes bench/results/latest.json.
 *
 * Workloads (written once by TensorFlow 2.21 into $TFJS_CHECKPOINT_BENCH_DIR or the temp dir; by this package's
 * writer when Python TensorFlow is absent, saying so):
 *   large   ≈1 GiB of float32 in ≈240 variables of transformer-like shapes
 *   wide    20,000 small variables (an index of many table blocks)
 *   partial ≈1% of the large checkpoint's bytes restored into a small model
 *   keras   one Keras 3 model saved as .weights.h5 and as a TF checkpoint (bench/keras_files.ts)
 * The large restore also runs on @tensorflow/tfjs-node when its addon is built (bench/tfjs_node.ts, a process of
 * its own), against tfjs-node's own tf.loadLayersModel('file://…') of the same weights.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { benchKerasFiles } from './keras_files';
import { browserFigures, browserLines } from './browser';
import { hostileFigures, hostileLines } from './hostile';

// The built package (dist/, what users run), not the sources through tsx's transform, which wraps every closure
// it creates (esbuild's keepNames) and so slows per-node and per-tensor code.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const built = require('../dist') as typeof import('../src');
const { Checkpoint, CheckpointReader, CheckpointView, crc32cImplementation, listVariables, setLogger } = built;
type CheckpointReader = import('../src').CheckpointReader;

const ROOT = path.resolve(__dirname, '..');
const DIR = process.env['TFJS_CHECKPOINT_BENCH_DIR'] ?? path.join(os.tmpdir(), 'tfjs-checkpoint-bench');
const PYTHON = process.env['TFJS_CHECKPOINT_PYTHON'] ?? path.join(ROOT, '.venv-tf', 'bin', 'python');
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);

type Shapes = Record<string, number[]>;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * A collection, a warm-up, then `runs` timed runs. The collection keeps the previous contender's garbage (a 1 GiB
 * model just disposed) out of this one's times; garbage a run leaves for the next (the variables' old values) is
 * charged to it, as TensorFlow frees old values inside its restore. (Collecting before every run would not be
 * neutral either: V8 shrinks its young generation after a full collection, slowing allocation-heavy runs.)
 */
async function timeRuns(fn: () => Promise<void>, runs = RUNS, collect = true): Promise<number[]> {
  if (collect) global.gc?.();
  await fn(); // warm-up (page cache, JIT)
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push((performance.now() - t) / 1000);
  }
  return times;
}

/** Peak RSS growth while `fn` runs, sampled every 2 ms. */
async function peakRss(fn: () => Promise<void>): Promise<number> {
  if (global.gc) global.gc();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage().rss) - before;
}

/** Nested plain objects of tfjs variables with the workload's paths (what TF's tf.Module tree looks like). */
function liveTree(
  shapes: Shapes,
  filter: (name: string) => boolean = () => true,
): { root: object; variables: tf.Variable[] } {
  const params: Record<string, unknown> = {};
  const variables: tf.Variable[] = [];
  for (const [name, shape] of Object.entries(shapes)) {
    if (!filter(name)) continue;
    const parts = name.split('/');
    let node = params;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    // In a tidy, so the zeros are released and the variable owns its value (a restore can write into it in place).
    const v = tf.tidy(() => tf.variable(tf.zeros(shape), true));
    node[parts[parts.length - 1]!] = v;
    variables.push(v);
  }
  return { root: { params }, variables };
}

function ensureWorkloads(): { shapes: { large: Shapes; wide: Shapes }; writer: string } {
  const shapesFile = path.join(DIR, 'shapes.json');
  if (!fs.existsSync(shapesFile) || !fs.existsSync(path.join(DIR, 'large', 'ckpt.index'))) {
    if (!fs.existsSync(PYTHON)) throw new Error(`Python TensorFlow not found at ${PYTHON}: bash scripts/setup-tf.sh`);
    process.stderr.write(`writing workloads with TensorFlow into ${DIR} …\n`);
    fs.mkdirSync(DIR, { recursive: true });
    execFileSync(PYTHON, [path.join(ROOT, 'bench', 'tf_bench.py'), 'write', DIR], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return {
    shapes: JSON.parse(fs.readFileSync(shapesFile, 'utf8')) as { large: Shapes; wide: Shapes },
    writer: 'TensorFlow 2.21',
  };
}

/** The same weights in tfjs's own format: a weights manifest and 4 MB shards (tfjs's default). */
function writeTfjsFormat(reader: CheckpointReader, shapes: Shapes, dir: string): Promise<void> {
  return (async () => {
    if (fs.existsSync(path.join(dir, 'weights_manifest.json'))) return;
    fs.mkdirSync(dir, { recursive: true });
    const specs: Array<{ name: string; shape: number[]; dtype: string }> = [];
    const parts: Uint8Array[] = [];
    for (const name of Object.keys(shapes)) {
      const v = await reader.getTensor(`params/${name}/.ATTRIBUTES/VARIABLE_VALUE`);
      const d = v.data as Float32Array;
      specs.push({ name, shape: v.shape, dtype: 'float32' });
      parts.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    }
    const all = Buffer.concat(parts);
    const shard = 4 << 20;
    const paths: string[] = [];
    for (let i = 0, n = 0; i < all.length; i += shard, n++) {
      const p = `group1-shard${n + 1}`;
      fs.writeFileSync(path.join(dir, p), all.subarray(i, i + shard));
      paths.push(p);
    }
    fs.writeFileSync(path.join(dir, 'weights_manifest.json'), JSON.stringify([{ paths, weights: specs }]));
  })();
}

/** TensorFlow restoring `runs` times in a fresh process: the first restore, then the later ones (steady state). */
function tfRestore(
  prefix: string,
  kind: string,
  runs = RUNS + 1,
): { import_seconds: number; first: number; times: number[]; peak_rss_growth_bytes: number } | null {
  if (!fs.existsSync(PYTHON)) return null;
  const out = execFileSync(PYTHON, [path.join(ROOT, 'bench', 'tf_bench.py'), 'restore', prefix, kind, String(runs)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, TF_ENABLE_ONEDNN_OPTS: '0', TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as {
    import_seconds: number;
    times: number[];
    peak_rss_growth_bytes: number;
  };
  return { ...r, first: r.times[0]!, times: r.times.slice(1) };
}

type RestoreModeName = 'in-place' | 'streaming' | 'new-memory';
const RESTORE_MODES: Array<[RestoreModeName, object]> = [
  ['in-place', { inPlace: true }],
  ['streaming', { atomic: false }],
  ['new-memory', { inPlace: false }],
];

/** One restore of the large workload in a fresh Node process (bench/first_restore.ts). */
function firstRestore(
  prefix: string,
  mode: RestoreModeName,
): { seconds: number; peakAboveBaselineBytes: number; peakGrowthBytes: number } {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bench', 'first_restore.ts'), prefix, path.join(DIR, 'shapes.json'), mode],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as ReturnType<typeof firstRestore>;
}

interface NativeResult {
  skipped?: string;
  tensorflow?: string;
  tfjsNode?: string;
  seconds?: Record<string, number[]>;
  medians?: {
    restore: number;
    restoreUsed: number;
    buildAndRestore: number;
    loadLayersModel: number;
    loadLayersModelUsed: number;
  };
}

/** bench/tfjs_node.ts in a process of its own: loading tfjs-node switches the whole process to its backend. */
function tfjsNodeRestore(): NativeResult {
  const out = execFileSync(
    process.execPath,
    [
      '--expose-gc',
      '--max-old-space-size=8192',
      '--import',
      'tsx',
      path.join(ROOT, 'bench', 'tfjs_node.ts'),
      DIR,
      String(RUNS),
    ],
    // TensorFlow's start-up lines off; oneDNN off as in the tests (it crashes with SIGFPE on some CPUs' pooling).
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: ROOT,
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', TF_ENABLE_ONEDNN_OPTS: '0' },
    },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as NativeResult;
}

async function main(): Promise<void> {
  setLogger({ warn: () => undefined });
  const warn = console.warn;
  console.warn = () => undefined;
  tf.tidy(() => tf.scalar(0));
  console.warn = warn;
  const { shapes, writer } = ensureWorkloads();
  const large = path.join(DIR, 'large', 'ckpt');
  const wide = path.join(DIR, 'wide', 'ckpt');
  const largeBytes = Object.values(shapes.large).reduce((n, s) => n + 4 * s.reduce((a, b) => a * b, 1), 0);
  const results: Record<string, unknown> = {
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      crc32c: crc32cImplementation(),
    },
    workloads: {
      writer,
      large: { variables: Object.keys(shapes.large).length, bytes: largeBytes },
      wide: { variables: Object.keys(shapes.wide).length },
    },
  };

  // ---- large: ours, raw reads, tfjs native, TensorFlow
  const tree = liveTree(shapes.large);
  const ckpt = new Checkpoint({ root: tree.root });
  // Memory of the first restore into a freshly built model (tfjs's zero weights are not yet paged in), the
  // realistic case; later runs also count buffers the GC has not returned yet.
  // First with @node-rs/crc32, the checksum a plain install uses; then with aws-crt's, loaded for batches of
  // 512 MiB and more when it is installed (it is a devDependency here).
  process.env['TFJS_CHECKPOINT_AWS_CRT_CRC'] = '0';
  const oursPeak = await peakRss(async () => {
    await ckpt.restore(large);
  });
  const oursNodeRs = await timeRuns(async () => {
    (await ckpt.restore(large)).assertExistingObjectsMatched();
  });
  delete process.env['TFJS_CHECKPOINT_AWS_CRT_CRC'];
  const ours = await timeRuns(async () => {
    (await ckpt.restore(large)).assertExistingObjectsMatched();
  });
  // The same without crc32c verification: how much of the restore the checksums take.
  const oursNoCrc = await timeRuns(async () => {
    await ckpt.restore(large, { verifyChecksums: false });
  });

  const reader = await CheckpointReader.open(large);
  const ranges = reader
    .keys()
    .filter((k) => k.startsWith('params/'))
    .map((k) => reader.entry(k));
  const buffers = ranges.map((e) => new Uint8Array(e.size));
  const dataFile = reader.dataFile(reader.keys().find((k) => k.startsWith('params/'))!);
  const raw = await timeRuns(async () => {
    const h = await fs.promises.open(dataFile, 'r');
    try {
      for (let i = 0; i < ranges.length; i++) await h.read(buffers[i]!, 0, ranges[i]!.size, ranges[i]!.offset);
    } finally {
      await h.close();
    }
  });
  // The same ranges into new buffers, 4 reads in flight (as many as libuv's thread pool runs): what any restore
  // pays that may not write into the live variables before every value is verified — a value becomes its
  // variable's new buffer, so it must land in memory the process has not touched yet (page faults, zeroed pages).
  const rawFresh = await timeRuns(async () => {
    const h = await fs.promises.open(dataFile, 'r');
    try {
      const fresh = ranges.map((e) => Buffer.allocUnsafeSlow(e.size));
      let next = 0;
      const reader = async (): Promise<void> => {
        for (let i = next++; i < ranges.length; i = next++)
          await h.read(fresh[i]!, 0, ranges[i]!.size, ranges[i]!.offset);
      };
      await Promise.all([reader(), reader(), reader(), reader()]);
    } finally {
      await h.close();
    }
  });
  const tfjsDir = path.join(DIR, 'large-tfjs');
  await writeTfjsFormat(reader, shapes.large, tfjsDir);
  await reader.close();
  buffers.length = 0;
  const byName = new Map(Object.keys(shapes.large).map((n, i) => [n, tree.variables[i]!]));
  const tfjsNative = await timeRuns(async () => {
    const [group] = JSON.parse(
      await fs.promises.readFile(path.join(tfjsDir, 'weights_manifest.json'), 'utf8'),
    ) as tf.io.WeightsManifestConfig;
    const shards = await Promise.all(group!.paths.map((p) => fs.promises.readFile(path.join(tfjsDir, p))));
    const all = Buffer.concat(shards);
    const map = tf.io.decodeWeights(all.buffer.slice(all.byteOffset, all.byteOffset + all.length), group!.weights);
    for (const [name, t] of Object.entries(map)) {
      byName.get(name)!.assign(t);
      t.dispose();
    }
  });
  const tfLarge = tfRestore(large, 'large');

  // ---- steady state: restores repeated into the same variables with no forced collection, in each mode, as an
  // evaluation loop over checkpoints runs them. (Peak memory per mode is measured in fresh processes below: in
  // this one, memory freed by earlier contenders is reused without raising the RSS.)
  const steady = {} as Record<RestoreModeName, number[]>;
  for (const [mode, options] of RESTORE_MODES) {
    steady[mode] = await timeRuns(
      async () => {
        await ckpt.restore(large, options);
      },
      RUNS,
      false,
    );
  }
  tf.dispose(tree.variables);

  // ---- first restores in fresh processes, ours and TensorFlow's alternating (so both meet the same load)
  const FIRST_RUNS = 3;
  const first = { 'in-place': [] as number[], tf: tfLarge ? [tfLarge.first] : ([] as number[]) };
  const firstPeak = {} as Record<RestoreModeName, ReturnType<typeof firstRestore>>;
  for (let i = 0; i < FIRST_RUNS; i++) {
    const r = firstRestore(large, 'in-place');
    first['in-place'].push(r.seconds);
    firstPeak['in-place'] = r;
    if (i > 0 && tfLarge) first.tf.push(tfRestore(large, 'large', 1)!.first);
  }
  for (const [mode] of RESTORE_MODES.slice(1)) firstPeak[mode] = firstRestore(large, mode);

  // ---- partial: ≈1% of the bytes into a small model
  const partialNames = (n: string): boolean => /^layer_0[0-1]\/proj\/kernel$|^layer_00\/ln1\//.test(n);
  const small = liveTree(shapes.large, partialNames);
  const partialBytes = Object.entries(shapes.large)
    .filter(([n]) => partialNames(n))
    .reduce((n, [, s]) => n + 4 * s.reduce((a, b) => a * b, 1), 0);
  const partialCkpt = new Checkpoint({ root: small.root });
  // Runs of a few ms are at the mercy of a collection landing in them: three times the runs for a steadier median.
  const partial = await timeRuns(async () => {
    (await partialCkpt.restore(large)).expectPartial();
  }, 3 * RUNS);
  tf.dispose(small.variables);

  // ---- wide: open + restore; inspect
  const wideTree = liveTree(shapes.wide);
  const wideCkpt = new Checkpoint({ root: wideTree.root });
  const wideOurs = await timeRuns(async () => {
    (await wideCkpt.restore(wide)).assertExistingObjectsMatched();
  });
  const tfWide = tfRestore(wide, 'wide');
  tf.dispose(wideTree.variables);
  const inspect = {
    listVariablesLarge: median(
      await timeRuns(async () => {
        await listVariables(large);
      }),
    ),
    listVariablesWide: median(
      await timeRuns(async () => {
        await listVariables(wide);
      }),
    ),
    viewOpenLarge: median(
      await timeRuns(async () => {
        await CheckpointView.open(large);
      }),
    ),
    viewOpenWide: median(
      await timeRuns(async () => {
        await CheckpointView.open(wide);
      }),
    ),
    // Nodes decode on first use: a full traversal is where the 40,000 nodes of the wide graph are decoded.
    viewDescendantsWide: median(
      await timeRuns(async () => {
        (await CheckpointView.open(wide)).descendants();
      }),
    ),
  };

  const keras = await benchKerasFiles(DIR, PYTHON, ROOT, RUNS);
  const native = tfjsNodeRestore();
  const nm = native.medians;

  const steadyM = Object.fromEntries(RESTORE_MODES.map(([mode]) => [mode, median(steady[mode])])) as Record<
    RestoreModeName,
    number
  >;
  const firstM = { ours: median(first['in-place']), tf: first.tf.length > 0 ? median(first.tf) : NaN };
  const m = {
    ours: median(ours),
    raw: median(raw),
    rawFresh: median(rawFresh),
    tfjsNative: median(tfjsNative),
    tf: tfLarge ? median(tfLarge.times) : NaN,
    partial: median(partial),
    wide: median(wideOurs),
    tfWide: tfWide ? median(tfWide.times) : NaN,
  };
  const gbps = (s: number): string => (largeBytes / s / 1e9).toFixed(2);
  const row = (name: string, s: number, note = ''): string =>
    `${name.padEnd(34)} ${s.toFixed(3).padStart(8)} s ${Number.isFinite(s) ? gbps(s).padStart(6) : '     -'} GB/s  ${note}`;
  const targets: Array<[string, boolean, string]> = [
    ['large restore ≤ 1.3 × raw read', m.ours <= 1.3 * m.raw, `${(m.ours / m.raw).toFixed(2)} ×`],
    ['large restore ≤ 0.5 × TensorFlow', m.ours <= 0.5 * m.tf, `${(m.ours / m.tf).toFixed(2)} ×`],
    ['large restore faster than tfjs native', m.ours < m.tfjsNative, `${(m.ours / m.tfjsNative).toFixed(2)} ×`],
    [
      'peak memory ≤ 1.25 × bytes + 200 MB',
      oursPeak <= 1.25 * largeBytes + 200e6,
      `${(oursPeak / 1e6).toFixed(0)} MB for ${(largeBytes / 1e6).toFixed(0)} MB`,
    ],
    ['wide open + restore ≤ TensorFlow', m.wide <= m.tfWide, `${(m.wide / m.tfWide).toFixed(3)} ×`],
    ...(nm
      ? [
          [
            'tfjs-node restore < loadLayersModel',
            nm.buildAndRestore < nm.loadLayersModel,
            `${(nm.buildAndRestore / nm.loadLayersModel).toFixed(2)} × with the model built from JSON, ${(nm.restore / nm.loadLayersModel).toFixed(2)} × into an existing one`,
          ] as [string, boolean, string],
        ]
      : []),
    [
      'partial ≤ 5% of large restore',
      m.partial <= 0.05 * m.ours,
      `${((100 * m.partial) / m.ours).toFixed(1)} % (${((100 * partialBytes) / largeBytes).toFixed(1)} % of bytes)`,
    ],
    [
      'CheckpointView.open(wide) < 100 ms',
      inspect.viewOpenWide < 0.1,
      `${(inspect.viewOpenWide * 1000).toFixed(1)} ms`,
    ],
    [
      'steady state: in-place ≤ 0.8 × TensorFlow',
      steadyM['in-place'] <= 0.8 * m.tf,
      `${(steadyM['in-place'] / m.tf).toFixed(2)} ×`,
    ],
    [
      'first restore (fresh process) ≤ 0.8 × TF',
      firstM.ours <= 0.8 * firstM.tf,
      `${(firstM.ours / firstM.tf).toFixed(2)} ×`,
    ],
    [
      'in-place peak ≤ model + 64 MiB',
      firstPeak['in-place'].peakAboveBaselineBytes <= largeBytes + 64 * 2 ** 20,
      `${(firstPeak['in-place'].peakAboveBaselineBytes / 2 ** 20).toFixed(0)} MiB for ${(largeBytes / 2 ** 20).toFixed(0)} MiB`,
    ],
  ];
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const lines = [
    `tfjs-checkpoint benchmark — ${results['machine'] ? `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, crc32c ${crc32cImplementation()}` : ''}`,
    `workloads by ${writer}: large ${(largeBytes / 2 ** 30).toFixed(2)} GiB in ${Object.keys(shapes.large).length} variables; wide ${Object.keys(shapes.wide).length} variables; medians of ${RUNS} runs after a warm-up (${3 * RUNS} for the partial restore)`,
    '',
    row('large: raw positional reads', m.raw, '(the limit: warm, preallocated buffers)'),
    row('large: … into fresh buffers', m.rawFresh, '(the limit for a restore: values land in new memory)'),
    row(
      'large: tfjs-checkpoint restore',
      m.ours,
      `(open + match + read + crc32c + assign; crc32c by ${crc32cImplementation()})`,
    ),
    row('large: … with @node-rs/crc32', median(oursNodeRs), '(without aws-crt installed)'),
    row('large: … without crc32c verification', median(oursNoCrc), '(verifyChecksums: false)'),
    row('large: tfjs native (manifest + shards)', m.tfjsNative, '(readFile + decodeWeights + assign)'),
    row(
      'large: TensorFlow 2.21 restore',
      m.tf,
      tfLarge ? `(python import ${tfLarge.import_seconds.toFixed(1)} s not included)` : '(Python TensorFlow absent)',
    ),
    ...(nm
      ? [
          row(
            'tfjs-node: tfjs-checkpoint restore',
            nm.restore,
            `(into the model's variables; tfjs-node ${native.tfjsNode} on TensorFlow ${native.tensorflow})`,
          ),
          row('tfjs-node: … + first use', nm.restoreUsed, '(each value then copied once into a TensorFlow tensor)'),
          row(
            'tfjs-node: model from JSON + restore',
            nm.buildAndRestore,
            '(what loadLayersModel does, from the checkpoint)',
          ),
          row(
            'tfjs-node: tf.loadLayersModel',
            nm.loadLayersModel,
            "('file://…' model.json + weights.bin, tfjs-node's loader)",
          ),
          row(
            'tfjs-node: … + first use',
            nm.loadLayersModelUsed,
            '(each value then copied once into a TensorFlow tensor)',
          ),
        ]
      : [`tfjs-node: skipped (${native.skipped})`]),
    row('partial: tfjs-checkpoint restore', m.partial, `(${(partialBytes / 1e6).toFixed(1)} MB)`),
    `${'wide: tfjs-checkpoint open + restore'.padEnd(34)} ${m.wide.toFixed(3).padStart(8)} s`,
    `${'wide: TensorFlow 2.21 restore'.padEnd(34)} ${m.tfWide.toFixed(3).padStart(8)} s`,
    `inspect: listVariables large ${(inspect.listVariablesLarge * 1000).toFixed(1)} ms, wide ${(inspect.listVariablesWide * 1000).toFixed(1)} ms; CheckpointView.open large ${(inspect.viewOpenLarge * 1000).toFixed(1)} ms, wide ${(inspect.viewOpenWide * 1000).toFixed(1)} ms (+ descendants() ${(inspect.viewDescendantsWide * 1000).toFixed(1)} ms)`,
    `peak memory growth during the first large restore: tfjs-checkpoint ${(oursPeak / 1e6).toFixed(0)} MB`,
    `large restore vs reads into fresh buffers: ${(m.ours / m.rawFresh).toFixed(2)} × (the rest is crc32c and tfjs)`,
    ...keras.lines,
    '',
    `steady state (restores repeated into the same variables, no forced collection), medians of ${RUNS}:`,
    ...RESTORE_MODES.map(([mode]) =>
      row(`  ${mode}`, steadyM[mode], `(${(steadyM[mode] / m.tf).toFixed(2)} × TensorFlow)`),
    ),
    row('  TensorFlow 2.21', m.tf, '(its restores after the first, same process)'),
    `first restore in a fresh process (model memory resident), medians of ${first['in-place'].length} (TF ${first.tf.length}):`,
    row(
      '  in-place',
      firstM.ours,
      `(${(firstM.ours / firstM.tf).toFixed(2)} × TensorFlow; peak RSS: model + ${mib(firstPeak['in-place'].peakAboveBaselineBytes - largeBytes)})`,
    ),
    ...RESTORE_MODES.slice(1).map(([mode]) =>
      row(
        `  ${mode}`,
        firstPeak[mode].seconds,
        `(peak RSS: model + ${mib(firstPeak[mode].peakAboveBaselineBytes - largeBytes)}; one run)`,
      ),
    ),
    row('  TensorFlow 2.21', firstM.tf, '(its first restore after import)'),
    '',
    ...targets.map(([name, ok, detail]) => `${ok ? 'met    ' : 'NOT MET'}  ${name.padEnd(40)} ${detail}`),
  ];
  // ---- browser: bundle size, portable crc32c, restore over loopback HTTP (bench/browser.ts)
  const browser = await browserFigures(RUNS);
  const browserOut = browserLines(browser);
  lines.splice(lines.length - targets.length - 1, 0, ...browserOut.lines);
  targets.push(...browserOut.targets);
  lines.push(
    ...browserOut.targets.map(([name, ok, detail]) => `${ok ? 'met    ' : 'NOT MET'}  ${name.padEnd(40)} ${detail}`),
  );
  // ---- hostile files (issue 13): 10^6 nodes, 10^6 keys, a wide node, each in a fresh process (bench/hostile.ts)
  const hostile = hostileFigures(DIR, ROOT);
  const hostileOut = hostileLines(hostile);
  lines.splice(lines.length - targets.length - 1, 0, ...hostileOut.lines);
  targets.push(...hostileOut.targets);
  lines.push(
    ...hostileOut.targets.map(([name, ok, detail]) => `${ok ? 'met    ' : 'NOT MET'}  ${name.padEnd(40)} ${detail}`),
  );
  console.log(lines.join('\n'));
  Object.assign(results, { browser, hostile });
  Object.assign(results, { steady: { seconds: steady }, first: { seconds: first, peak: firstPeak } });
  Object.assign(results, {
    seconds: {
      ours,
      oursNodeRs,
      oursNoCrc,
      raw,
      rawFresh,
      tfjsNative,
      tf: tfLarge?.times ?? null,
      partial,
      wide: wideOurs,
      tfWide: tfWide?.times ?? null,
    },
    medians: m,
    inspect,
    peakRssBytes: { ours: oursPeak, tf: tfLarge?.peak_rss_growth_bytes ?? null },
    partialBytes,
    kerasFiles: keras.result,
    tfjsNode: native,
    targets: targets.map(([name, met, detail]) => ({ name, met, detail })),
  });
  fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
