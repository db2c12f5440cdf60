/**
 * Steady-state restores of the large workload (bench/run.ts writes it) into the same variables, contenders
 * alternating round by round in one process so that they meet the same load on a shared machine; medians. Then
 * TensorFlow's steady state on the same file (bench/tf_bench.py), unless --no-tf.
 *
 *   node --expose-gc --max-old-space-size=8192 --import tsx bench/steady_in_place.ts [rounds] [--no-tf] [--blocks]
 *
 * "in place, checksum twice" is the in-place restore through a file system whose files do not vouch for their
 * bytes (no ByteSource.identity): its write pass checks every crc32c again, as before files were pinned.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Checkpoint, NodeFileSystem, setLogger } = require('../dist') as typeof import('../src');
type ByteSource = import('../src').ByteSource;
type FileSystem = import('../src').FileSystem;

const ROOT = path.resolve(__dirname, '..');
const DIR = process.env['TFJS_CHECKPOINT_BENCH_DIR'] ?? path.join(os.tmpdir(), 'tfjs-checkpoint-bench');
const PYTHON = process.env['TFJS_CHECKPOINT_PYTHON'] ?? path.join(ROOT, '.venv-tf', 'bin', 'python');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** A Node file system whose sources cannot vouch for their bytes. */
function withoutIdentity(base: FileSystem): FileSystem {
  const wrapped = Object.create(base) as FileSystem;
  wrapped.open = async (p: string): Promise<ByteSource> => {
    const src = await base.open(p);
    return {
      name: src.name,
      size: src.size,
      readPieceSize: src.readPieceSize,
      read: (offset, length, target) => src.read(offset, length, target),
      close: () => src.close(),
    };
  };
  return wrapped;
}

async function main(): Promise<void> {
  setLogger({ warn: () => undefined });
  const rounds = Number(process.argv[2] ?? 7);
  const shapesFile = path.join(DIR, 'shapes.json');
  const large = path.join(DIR, 'large', 'ckpt');
  if (!fs.existsSync(`${large}.index`)) throw new Error(`no workload at ${large}: run npm run bench once first`);
  const shapes = (JSON.parse(fs.readFileSync(shapesFile, 'utf8')) as { large: Record<string, number[]> }).large;
  const params: Record<string, unknown> = {};
  const variables: tf.Variable[] = [];
  for (const [name, shape] of Object.entries(shapes)) {
    const parts = name.split('/');
    let node = params;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    const v = tf.tidy(() => tf.variable(tf.zeros(shape), true));
    node[parts[parts.length - 1] ?? name] = v;
    variables.push(v);
  }
  const bytes = Object.values(shapes).reduce((n, s) => n + 4 * s.reduce((a, b) => a * b, 1), 0);
  const ckpt = new Checkpoint({ root: { params } });
  const contenders: Array<[string, object]> = [
    ['in place, checksum twice', { inPlace: true, fs: withoutIdentity(new NodeFileSystem()) }],
    ['in place, pinned file', { inPlace: true }],
    ['new memory (default)', { inPlace: false }],
    ['streaming (atomic: false)', { atomic: false }],
  ];
  const times = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  // CPU seconds of the whole process (libuv's reader threads included): on a machine shared with other work,
  // a steadier measure of what a restore costs than its wall time.
  const cpu = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  for (const [, options] of contenders) await ckpt.restore(large, options); // warm-up: page cache, JIT
  for (let r = 0; r < rounds; r++) {
    for (const [name, options] of contenders) {
      const c = process.cpuUsage();
      const t = performance.now();
      (await ckpt.restore(large, options)).assertExistingObjectsMatched();
      times.get(name)?.push((performance.now() - t) / 1000);
      const used = process.cpuUsage(c);
      cpu.get(name)?.push((used.user + used.system) / 1e6);
    }
  }
  // As npm run bench times its default large restore: a collection, a warm-up, then the runs, contender by
  // contender (twice each, in turn), so that one's garbage is not charged to the other.
  const blocks = new Map<string, number[]>();
  if (process.argv.includes('--blocks')) {
    for (let rep = 0; rep < 2; rep++) {
      for (const [name, options] of contenders.slice(1, 3)) {
        global.gc?.();
        await ckpt.restore(large, options);
        for (let r = 0; r < 5; r++) {
          const t = performance.now();
          await ckpt.restore(large, options);
          blocks.set(name, [...(blocks.get(name) ?? []), (performance.now() - t) / 1000]);
        }
      }
    }
  }
  tf.dispose(variables);
  let tfSteady: number | null = null;
  if (!process.argv.includes('--no-tf') && fs.existsSync(PYTHON)) {
    const out = execFileSync(
      PYTHON,
      [path.join(ROOT, 'bench', 'tf_bench.py'), 'restore', large, 'large', String(rounds + 1)],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { ...process.env, TF_ENABLE_ONEDNN_OPTS: '0', TF_CPP_MIN_LOG_LEVEL: '3' },
      },
    );
    const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { times: number[] };
    tfSteady = median(r.times.slice(1));
  }
  console.log(
    `${(bytes / 2 ** 30).toFixed(2)} GiB in ${variables.length} variables, ${rounds} rounds, load ${os.loadavg()[0]?.toFixed(1)}`,
  );
  for (const [name, xs] of times) {
    const m = median(xs);
    const ratio = tfSteady === null ? '' : `  ${(m / tfSteady).toFixed(2)} × TensorFlow`;
    const c = median(cpu.get(name) ?? []);
    console.log(
      `${name.padEnd(28)} ${m.toFixed(3)} s (min ${Math.min(...xs).toFixed(3)}, CPU ${c.toFixed(3)} s)  [${xs.map((x) => x.toFixed(3)).join(' ')}]${ratio}`,
    );
  }
  for (const [name, xs] of blocks)
    console.log(`blocks: ${name.padEnd(20)} ${median(xs).toFixed(3)} s  [${xs.map((x) => x.toFixed(3)).join(' ')}]`);
  if (tfSteady !== null) console.log(`${'TensorFlow steady state'.padEnd(28)} ${tfSteady.toFixed(3)} s`);
}

void main();
