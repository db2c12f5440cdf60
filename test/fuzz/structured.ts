/**
 * Structured hostile inputs for the fuzz run: valid bundles (every checksum right) whose structure is what costs,
 * built by test/helpers/hostile with seeded random sizes: deep chains, wide nodes, attribute floods, prefix floods,
 * slice overlaps, duplicates and gaps, string floods, aliased regions, indexes of many keys, control characters
 * and invalid UTF-8 in names. Every public entry point runs on each; each input must succeed or fail with a typed
 * CheckpointError within 2 s, and the whole run fits a 1 GiB heap (structured_run.ts runs it in a child process
 * started with --max-old-space-size=1024; runStructuredFuzz starts that child).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

import {
  Checkpoint,
  CheckpointError,
  CheckpointReader,
  CheckpointView,
  compareWithCheckpoint,
  MemoryFileSystem,
  type ObjectGraph,
  setLogger,
} from '../../src';
import { objectTreeLines, tensorListing, treeJson } from '../../src/cli/format';
import * as hostile from '../helpers/hostile';
import { Rng } from '../helpers/rng';
import { classifyFailure } from './failure';
import { INPUT_MS, timeInput } from './timing';

export interface StructuredReport {
  inputs: number;
  outcomes: Record<string, number>;
  /** The slowest input (time of the entry points, not of building the input). */
  slowest: { ms: number; input: string };
  failures: Array<{ input: string; outcome: string; error: string }>;
  /** Peak resident memory of the process over the run, and the largest heap seen after an input. */
  maxRssBytes: number;
  maxHeapBytes: number;
  /** Every input: its time (the entry points', not building it) and the heap in use after it. */
  perInput: Array<{ input: string; ms: number; heapBytes: number }>;
}

/** Heap of the child process the run is made in. */
export const HEAP_MB = 1024;

type Slices = Array<[[number, number], [number, number]]>;

/** A grid tiling of [rows, cols] into about `bands` row bands × `columns` column bands. */
function grid(rows: number, cols: number, bands: number, columns: number): Slices {
  const cuts = (n: number, k: number): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    const step = Math.max(1, Math.ceil(n / k));
    for (let s = 0; s < n; s += step) out.push([s, Math.min(step, n - s)]);
    return out;
  };
  return cuts(rows, bands).flatMap((r) => cuts(cols, columns).map((c) => [r, c]));
}

function slicesInput(rng: Rng): [string, Map<string, Uint8Array>] {
  const rows = 1 + rng.int(64);
  const cols = 1 + rng.int(rng.int(4) === 0 ? 2000 : 64);
  const slices = grid(rows, cols, 1 + rng.int(8), 1 + rng.int(cols));
  const what = rng.pick(['exact', 'duplicate', 'overlap', 'gap', 'overlap hiding a gap']);
  const i = rng.int(slices.length);
  const [r, c] = slices[i]!;
  if (what === 'duplicate') slices.push(slices[i]!);
  else if (what === 'overlap')
    slices.push([
      [r[0], r[1]],
      [Math.max(0, c[0] - 1), Math.min(cols - Math.max(0, c[0] - 1), c[1] + 1)],
    ]);
  else if (what === 'gap' && slices.length > 1) slices.splice(i, 1);
  else if (what === 'overlap hiding a gap' && slices.length > 1) slices[i] = slices[(i + 1) % slices.length]!;
  return [`slices ${what} [${rows},${cols}] in ${slices.length}`, hostile.slicedTensor([rows, cols], slices)];
}

/**
 * One structured input of each kind in turn, sizes drawn from `rng`. `full` adds the largest sizes (300,000 keys,
 * 100,000 wide, 80,000 attributes): `npm run fuzz` uses them; npm test's seeded run, on shared CI machines, not.
 */
export function structuredInput(i: number, rng: Rng, full = true): [string, Map<string, Uint8Array>] {
  const big = <T>(small: T[], large: T[]): T[] => (full ? large : small);
  const kinds: Array<() => [string, Map<string, Uint8Array>]> = [
    () => {
      const depth = rng.pick(big([1000, 20_000, 50_000], [1000, 20_000, 100_000]));
      const every = depth <= 20_000 ? rng.pick([0, 1, 100]) : rng.pick([0, 1000]);
      return [`deep chain ${depth} (a value every ${every})`, hostile.deepChain(depth, every)];
    },
    () => {
      const n = rng.pick(big([1000, 5000, 10_000], [1000, 20_000, 100_000]));
      return [`wide node ${n}`, hostile.wideNode(n)];
    },
    () => {
      const n = rng.pick(big([1000, 10_000, 20_000], [1000, 20_000, 80_000]));
      const keys = rng.pick(big([0, 1000, 10_000], [0, 1000, 40_000]));
      return [`attribute flood ${n} × ${keys} keys`, hostile.attributeFlood(n, keys)];
    },
    () => {
      const n = rng.pick([10, 1000]);
      const keys = rng.pick([100, 300, 5000]);
      return [`prefix flood ${n} × ${keys} keys`, hostile.prefixFlood(n, keys)];
    },
    () => slicesInput(rng),
    () => {
      const key = rng.pick(['_CHECKPOINTABLE_OBJECT_GRAPH', 'strings']);
      // The object-graph key is rejected from its entry at any size; read strings cost their count.
      const n = rng.pick(
        key === 'strings'
          ? big([100_000, 1_000_000, 2_000_000], [100_000, 5_000_000, 26_000_000])
          : [100_000, 26_000_000],
      );
      return [`string flood ${n} under ${key}`, hostile.stringFlood(n, key)];
    },
    () => {
      const n = rng.pick([2, 24, 64]);
      const bytes = rng.pick([64 << 10, 4 << 20, 16 << 20]);
      return [`aliases ${n} × ${bytes} B`, hostile.aliases(n, bytes)];
    },
    () => {
      const n = rng.pick(big([1000, 10_000, 30_000], [1000, 100_000, 300_000]));
      const snappy = rng.int(2) === 0;
      return [`many keys ${n}${snappy ? ' (snappy)' : ''}`, hostile.manyKeys(n, snappy)];
    },
    () => {
      const bytes = (): Uint8Array =>
        Uint8Array.from({ length: 1 + rng.int(12) }, () =>
          rng.pick([0x1b, 0x0a, 0x0d, 0x07, 0x7f, 0x9b, 0xc3, 0xff, 0xfe, 0xed, 0x61, 0x2f, 0x2e]),
        );
      const keys = Array.from({ length: 1 + rng.int(20) }, (_, k) =>
        k % 2 === 0 ? new TextDecoder().decode(bytes()) : bytes(),
      );
      const unique = [
        ...new Map(keys.map((k) => [(typeof k === 'string' ? new TextEncoder().encode(k) : k).join(','), k])).values(),
      ].filter((k) => k.length > 0 && (typeof k === 'string' ? k.charCodeAt(0) !== 0 : k[0] !== 0));
      return [`nasty keys ${unique.length}`, hostile.nastyKeys(unique)];
    },
  ];
  return kinds[i % kinds.length]!();
}

/** Live objects shaped like the graph's first levels (at most 500 tfjs variables: creating them is tfjs's cost, not ours), to restore into. */
function liveTree(
  graph: ObjectGraph,
  shapes: Map<string, number[]>,
  tf: typeof import('@tensorflow/tfjs'),
  made: Array<{ dispose(): void }>,
): object {
  const objects = new Map<number, object>();
  const maxVariables = 500;
  const build = (id: number, depth: number): object => {
    const existing = objects.get(id);
    if (existing) return existing;
    const node = graph.nodes[id]!;
    const value = node.attributes.find((a) => a.name === 'VARIABLE_VALUE');
    const shape = value ? shapes.get(value.checkpointKey) : undefined;
    if (shape && made.length < maxVariables && shape.reduce((a, b) => a * b, 1) <= 1 << 16) {
      // In tidy, so the zeros the variable was made from are released (500 of them leaked per input, and the heap
      // of a full run grew past its 1 GiB).
      const v = tf.tidy(() => tf.variable(tf.zeros(shape)));
      made.push(v);
      objects.set(id, v);
      return v;
    }
    const obj: Record<string, unknown> = {};
    objects.set(id, obj);
    if (depth < 8)
      for (const c of node.children.slice(0, 5000)) if (c.nodeId !== 0) obj[c.localName] = build(c.nodeId, depth + 1);
    return obj;
  };
  return build(0, 0);
}

/** Typed errors met by the entry points of one input, by code (the input's outcome is the first). */
let met: string[] = [];

async function typed<T>(p: Promise<T> | (() => T)): Promise<T | null> {
  try {
    return typeof p === 'function' ? p() : await p;
  } catch (err) {
    if (err instanceof CheckpointError) {
      met.push(err.code);
      return null;
    }
    throw err;
  }
}

/** Every public entry point, and the CLI's renderings, on one input. */
export async function exercise(files: Map<string, Uint8Array>, tf: typeof import('@tensorflow/tfjs')): Promise<void> {
  const fs = new MemoryFileSystem(files);
  const reader = await CheckpointReader.open(hostile.PREFIX, { fs });
  const made: Array<{ dispose(): void }> = [];
  try {
    const keys = reader.keys();
    for (const k of keys) reader.entry(k);
    await typed(reader.getTensors(keys, () => undefined));
    tensorListing(reader);
    const graph = await typed(reader.objectGraph());
    if (graph) {
      const view = CheckpointView.fromObjectGraph(graph);
      view.descendants();
      await typed(() => objectTreeLines(reader, view));
      await typed(() => treeJson(reader, view));
      await typed(compareWithCheckpoint({}, hostile.PREFIX, { fs }));
      const live = liveTree(graph, reader.variableToShapeMap(), tf, made);
      await typed(compareWithCheckpoint(live, hostile.PREFIX, { fs }));
      const status = await typed(new Checkpoint({ root: live }).restore(hostile.PREFIX, { fs, expectPartial: true }));
      status?.report();
    }
  } finally {
    for (const v of made) v.dispose();
    await reader.close();
  }
}

export async function structuredFuzz(
  inputs: number,
  seed: number,
  tf: typeof import('@tensorflow/tfjs'),
  full = true,
): Promise<StructuredReport> {
  const rng = new Rng(seed);
  const report: StructuredReport = {
    inputs: 0,
    outcomes: {},
    slowest: { ms: 0, input: '' },
    failures: [],
    maxRssBytes: 0,
    maxHeapBytes: 0,
    perInput: [],
  };
  const previous = setLogger({ warn: () => undefined });
  try {
    // Warm-up, not counted: the first restore compiles tfjs kernels and the package's code paths.
    await exercise(hostile.wideNode(10), tf);
    for (let i = 0; i < inputs; i++) {
      const [name, files] = structuredInput(i, rng, full);
      const {
        result: { outcome: first, error },
        ms,
      } = await timeInput(async (): Promise<{ outcome: string; error: string }> => {
        met = [];
        try {
          await exercise(files, tf);
          return { outcome: met.length > 0 ? `typed:${met[0]}` : 'ok', error: '' };
        } catch (err) {
          return classifyFailure(err);
        }
      });
      let outcome = first;
      if (ms > report.slowest.ms) report.slowest = { ms, input: name };
      if (outcome !== 'untyped' && ms > INPUT_MS) outcome = 'slow';
      const heapBytes = process.memoryUsage().heapUsed;
      report.maxHeapBytes = Math.max(report.maxHeapBytes, heapBytes);
      report.perInput.push({ input: name, ms: Math.round(ms), heapBytes });
      report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
      if (outcome === 'untyped' || outcome === 'slow') report.failures.push({ input: name, outcome, error });
      report.inputs++;
    }
  } finally {
    setLogger(previous);
  }
  report.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  return report;
}

/**
 * Runs structuredFuzz in a child process with a 1 GiB heap, so running out of memory is a failure of the run
 * (the child dies) rather than of the machine. Resolves with the child's report, or one naming how it died.
 */
/**
 * The report's inputs by kind (the name up to its first number): how many, the slowest and the largest heap after
 * one, and whether every one stayed within INPUT_MS and HEAP_MB.
 */
export function perKind(report: StructuredReport): {
  kinds: Record<string, { inputs: number; maxMs: number; maxHeapMiB: number }>;
  allWithinLimits: boolean;
} {
  const kinds: Record<string, { inputs: number; maxMs: number; maxHeapMiB: number }> = {};
  for (const { input, ms, heapBytes } of report.perInput) {
    const kind = /^[^0-9[]*/.exec(input)![0].trim();
    const k = (kinds[kind] ??= { inputs: 0, maxMs: 0, maxHeapMiB: 0 });
    k.inputs++;
    k.maxMs = Math.max(k.maxMs, ms);
    k.maxHeapMiB = Math.max(k.maxHeapMiB, Math.round(heapBytes / 2 ** 20));
  }
  const allWithinLimits =
    report.failures.length === 0 && report.perInput.every((p) => p.ms <= INPUT_MS && p.heapBytes <= HEAP_MB * 2 ** 20);
  return { kinds, allWithinLimits };
}

export function runStructuredFuzz(inputs: number, seed: number, full = true): Promise<StructuredReport> {
  const root = path.resolve(__dirname, '../..');
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        `--max-old-space-size=${HEAP_MB}`,
        '--import',
        'tsx',
        path.join(__dirname, 'structured_run.ts'),
        String(inputs),
        String(seed),
        full ? 'full' : 'ci',
      ],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code, signal) => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        if (code === 0) {
          resolve(JSON.parse(last) as StructuredReport);
          return;
        }
      } catch {
        // Reported below.
      }
      resolve({
        inputs: 0,
        outcomes: { crashed: 1 },
        slowest: { ms: 0, input: '' },
        failures: [
          { input: 'the run', outcome: 'crashed', error: `exit ${code} ${signal ?? ''}: ${err.slice(-2000)}` },
        ],
        maxRssBytes: 0,
        maxHeapBytes: 0,
        perInput: [],
      });
    });
  });
}
