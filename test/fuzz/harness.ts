/**
 * A fuzzer for the reader: mutates real checkpoints and runs every public entry point on each mutant. Each input
 * must either succeed or throw the package's typed CheckpointError — never another exception, never take more
 * than 2 s, never grow memory beyond what the input could justify.
 *
 * Mutations are of two kinds:
 *  - raw: bit flips, random bytes, truncation (at block boundaries too), 0xff runs, footer/handle damage;
 *  - structured: the index table, its entries (dtype, shape, shard, offset, size, crc, slices), the header and
 *    the object graph (out-of-range ids, self loops, duplicate names, dangling slot references) are decoded,
 *    damaged and re-encoded with valid block checksums, so the damage reaches the parsers behind the checksums.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import Long from 'long';

import {
  Checkpoint,
  CheckpointError,
  CheckpointReader,
  CheckpointView,
  MemoryFileSystem,
  type ObjectGraph,
  setLogger,
  TrackableView,
} from '../../src';
import { tensorflow } from '../../src/bundle/protos';
import { TableReader } from '../../src/bundle/table';
import { concatBytes, TableBuilder } from '../../src/bundle/table_builder';
import { MemorySource } from '../../src/io';
import { compress } from 'snappyjs';
import { Rng } from '../helpers/rng';
import { classifyFailure } from './failure';
import { INPUT_MS, timeInput } from './timing';

export interface Seed {
  name: string;
  prefix: string;
  files: Map<string, Uint8Array>;
}

export type Outcome = 'ok' | `typed:${string}` | 'untyped' | 'slow' | 'oversized';

export interface FuzzReport {
  inputs: number;
  outcomes: Record<string, number>;
  slowest: { ms: number; seed: string; mutation: string };
  failures: Array<{ seed: string; mutation: string; outcome: Outcome; error: string }>;
  maxMemoryGrowth: number;
}

/** Loads every bundle under `dirs` (one .index per directory) as an in-memory seed. */
export function loadSeeds(dirs: string[]): Seed[] {
  const seeds: Seed[] = [];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
    const index = entries.find((e) => e.isFile() && e.name.endsWith('.index'));
    if (!index) return;
    const base = index.name.slice(0, -'.index'.length);
    const files = new Map<string, Uint8Array>();
    let total = 0;
    for (const e of entries) {
      if (e.isFile() && e.name.startsWith(`${base}.`) && /\.(index|data-\d{5}-of-\d{5})$/.test(e.name)) {
        const bytes = new Uint8Array(fs.readFileSync(path.join(dir, e.name)));
        total += bytes.length;
        files.set(`/ckpt/${e.name}`, bytes);
      }
    }
    // Keep inputs small so a run covers many of them.
    if (total <= 2 << 20) seeds.push({ name: path.relative(process.cwd(), dir), prefix: `/ckpt/${base}`, files });
  };
  dirs.forEach(walk);
  return seeds;
}

const HUGE = [2 ** 31, 2 ** 32 + 1, 2 ** 40, 2 ** 53 - 1, 2 ** 62, 3e9, 1e12];

async function tableEntries(bytes: Uint8Array): Promise<Array<[Uint8Array, Uint8Array]> | null> {
  try {
    const t = await TableReader.open(new MemorySource('i', bytes));
    const out: Array<[Uint8Array, Uint8Array]> = [];
    for await (const e of t.entries()) out.push([e[0].slice(), e[1].slice()]);
    return out;
  } catch {
    return null;
  }
}

function rebuildTable(entries: Array<[Uint8Array, Uint8Array]>, rng: Rng): Uint8Array {
  const t = new TableBuilder({
    blockSize: rng.pick([256, 4096, 262144]),
    snappy: rng.int(4) === 0 ? compress : undefined,
  });
  for (const [k, v] of entries) t.add(k, v);
  return concatBytes(t.finish());
}

function mutateEntry(bytes: Uint8Array, rng: Rng): [Uint8Array, string] {
  const e = tensorflow.BundleEntryProto.decode(bytes);
  const what = rng.int(9);
  const n = (v: number): Long => Long.fromNumber(v);
  switch (what) {
    case 0:
      e.dtype = rng.int(40);
      return [tensorflow.BundleEntryProto.encode(e).finish(), `entry dtype ${e.dtype}`];
    case 1: {
      const dims = rng.int(5);
      e.shape = {
        dim: Array.from({ length: dims }, () => ({ size: n(rng.int(3) === 0 ? rng.pick(HUGE) : rng.int(100)) })),
      };
      return [tensorflow.BundleEntryProto.encode(e).finish(), 'entry shape'];
    }
    case 2:
      e.offset = n(rng.pick([...HUGE, rng.int(1 << 20)]));
      return [tensorflow.BundleEntryProto.encode(e).finish(), 'entry offset'];
    case 3:
      e.size = n(rng.pick([...HUGE, rng.int(1 << 20), 0]));
      return [tensorflow.BundleEntryProto.encode(e).finish(), 'entry size'];
    case 4:
      e.shardId = rng.pick([-1, 1, 7, 2 ** 30]);
      return [tensorflow.BundleEntryProto.encode(e).finish(), 'entry shard'];
    case 5:
      e.crc32c = rng.int(2 ** 31);
      return [tensorflow.BundleEntryProto.encode(e).finish(), 'entry crc'];
    case 6:
      e.slices = [
        {
          extent: Array.from({ length: rng.int(4) }, () => ({
            start: n(rng.int(50)),
            length: n(rng.pick([-1, 1, 3, 2 ** 40])),
          })),
        },
      ];
      return [tensorflow.BundleEntryProto.encode(e).finish(), 'entry slices'];
    case 7:
      e.shape = { dim: [{ size: n(-5) }] };
      return [tensorflow.BundleEntryProto.encode(e).finish(), 'entry negative dim'];
    default: {
      const b = bytes.slice();
      if (b.length > 0) b[rng.int(b.length)] = rng.int(256);
      return [b, 'entry bytes'];
    }
  }
}

function mutateHeader(bytes: Uint8Array, rng: Rng): [Uint8Array, string] {
  const h = tensorflow.BundleHeaderProto.decode(bytes);
  const what = rng.int(3);
  if (what === 0) h.numShards = rng.pick([0, -3, 2 ** 30, 3]);
  // 7 is no Endianness value: the point is a header the reader must reject.
  else if (what === 1) h.endianness = rng.pick([1, 7]) as tensorflow.BundleHeaderProto.Endianness;
  else h.version = { producer: 1, minConsumer: rng.pick([0, 2, 1000]), badConsumers: rng.int(2) ? [1] : [] };
  return [tensorflow.BundleHeaderProto.encode(h).finish(), `header ${['shards', 'endianness', 'version'][what]}`];
}

function mutateGraph(graph: tensorflow.TrackableObjectGraph, rng: Rng): string {
  const nodes = graph.nodes as unknown[];
  if (nodes.length === 0) return 'graph empty';
  const node = rng.pick(nodes) as { children: Array<{ nodeId: number; localName: string }>; slotVariables: unknown[] };
  // Absent from a decoded node that had none (protobufjs leaves defaults to the prototype).
  (node as Partial<typeof node>).children ??= [];
  (node as Partial<typeof node>).slotVariables ??= [];
  const id = nodes.indexOf(node);
  switch (rng.int(6)) {
    case 0:
      node.children.push({ nodeId: rng.pick([nodes.length, nodes.length + 5, -1, 2 ** 30]), localName: 'bad' });
      return 'graph child out of range';
    case 1:
      node.children.push({ nodeId: id, localName: 'self' });
      return 'graph self loop';
    case 2:
      if (node.children.length > 0) node.children.push({ ...node.children[0]!, nodeId: rng.int(nodes.length) });
      return 'graph duplicate name';
    case 3:
      (node.slotVariables as object[]).push({
        originalVariableNodeId: rng.pick([nodes.length + 1, id]),
        slotName: 'm',
        slotVariableNodeId: rng.pick([nodes.length + 2, 0, id]),
      });
      return 'graph dangling slot';
    case 4:
      graph.nodes = graph.nodes.slice(0, Math.max(1, rng.int(nodes.length)));
      return 'graph truncated node list';
    default:
      node.children.push({ nodeId: rng.int(nodes.length), localName: 'x'.repeat(rng.int(5000)) });
      return 'graph long name';
  }
}

/** One mutant of `seed` and a description of the mutation. */
export async function mutate(seed: Seed, rng: Rng): Promise<[Map<string, Uint8Array>, string]> {
  const files = new Map<string, Uint8Array>([...seed.files].map(([k, v]) => [k, v.slice()]));
  const indexName = `${seed.prefix}.index`;
  const names = [...files.keys()];
  const kind = rng.int(10);
  if (kind < 4) {
    const name = rng.pick(names);
    const b = files.get(name)!;
    if (b.length === 0) return [files, 'empty file'];
    switch (rng.int(5)) {
      case 0:
        for (let i = 0, m = 1 + rng.int(8); i < m; i++) b[rng.int(b.length)]! ^= 1 << rng.int(8);
        return [files, `bit flips in ${path.basename(name)}`];
      case 1:
        files.set(name, b.subarray(0, rng.int(b.length)));
        return [files, `truncated ${path.basename(name)}`];
      case 2: {
        const at = rng.int(b.length);
        b.fill(0xff, at, at + 1 + rng.int(32));
        return [files, `0xff run in ${path.basename(name)}`];
      }
      case 3:
        // Footer: block handles and magic.
        if (name === indexName && b.length >= 48) b[b.length - 48 + rng.int(48)] = rng.int(256);
        return [files, 'footer byte'];
      default:
        files.set(name, concatBytes([b, Uint8Array.from({ length: rng.int(64) }, () => rng.int(256))]));
        return [files, `appended garbage to ${path.basename(name)}`];
    }
  }
  const entries = await tableEntries(files.get(indexName)!);
  if (entries === null || entries.length === 0) return [files, 'unparsable seed'];
  if (kind === 4) {
    // Truncate the index at a block boundary of a rebuilt small-block table.
    const t = rebuildTable(entries, rng);
    files.set(indexName, t.subarray(0, rng.int(t.length)));
    return [files, 'index truncated'];
  }
  let desc: string;
  const graphAt = entries.findIndex(([k]) => new TextDecoder().decode(k) === '_CHECKPOINTABLE_OBJECT_GRAPH');
  if (kind === 9 && graphAt >= 0) {
    // Decode the graph from the data file, damage it, append it and point the entry at it with a valid crc.
    const e = tensorflow.BundleEntryProto.decode(entries[graphAt]![1]);
    const dataName = names.find((n) => n.includes(`.data-${String(e.shardId).padStart(5, '0')}-`));
    const data = dataName ? files.get(dataName) : undefined;
    if (!data || !dataName) return [files, 'graph without data'];
    const off = Number(e.offset);
    const raw = data.subarray(off, off + Number(e.size));
    let graph: tensorflow.TrackableObjectGraph;
    try {
      // A scalar string: varint length, 4-byte crc, bytes.
      let p = 0;
      let len = 0;
      for (let s = 0; ; s += 7) {
        const c = raw[p++]!;
        len += (c & 0x7f) * 2 ** s;
        if (c < 0x80) break;
      }
      graph = tensorflow.TrackableObjectGraph.decode(raw.subarray(p + 4, p + 4 + len));
    } catch {
      return [files, 'graph undecodable'];
    }
    desc = mutateGraph(graph, rng);
    const { encodeStrings } = await import('../../src/bundle/tensor_codec');
    const { maskCrc } = await import('../../src/bundle/crc32c');
    const enc = encodeStrings([new Uint8Array(tensorflow.TrackableObjectGraph.encode(graph).finish())]);
    files.set(dataName, concatBytes([data, enc.bytes]));
    e.offset = Long.fromNumber(data.length);
    e.size = Long.fromNumber(enc.bytes.length);
    e.crc32c = maskCrc(enc.crc);
    entries[graphAt]![1] = tensorflow.BundleEntryProto.encode(e).finish();
  } else if (kind === 5) {
    [entries[0]![1], desc] = mutateHeader(entries[0]![1], rng);
  } else if (kind === 6 && entries.length > 2) {
    // Drop or duplicate keys.
    const i = 1 + rng.int(entries.length - 1);
    entries.splice(i, 1);
    desc = 'entry removed';
  } else {
    const i = 1 + rng.int(Math.max(1, entries.length - 1));
    if (i >= entries.length) return [files, 'no entries'];
    try {
      [entries[i]![1], desc] = mutateEntry(entries[i]![1], rng);
    } catch {
      return [files, 'undecodable entry'];
    }
  }
  files.set(indexName, rebuildTable(entries, rng));
  return [files, desc];
}

/** A live tree shaped like the seed's object graph (plain objects and tfjs variables), to restore into. */
function liveTreeFor(graph: ObjectGraph, shapes: Map<string, number[]>, tf: typeof import('@tensorflow/tfjs')): object {
  const made = new Map<number, object>();
  const build = (id: number, depth: number): object => {
    const existing = made.get(id);
    if (existing) return existing;
    const node = graph.nodes[id]!;
    const value = node.attributes.find((a) => a.name === 'VARIABLE_VALUE');
    const shape = value ? shapes.get(value.checkpointKey) : undefined;
    if (shape && shape.reduce((a, b) => a * b, 1) <= 1 << 16) {
      // Made in a tidy so the zeros are released: the variable owns its value and restores write into it in place.
      const v = tf.tidy(() => tf.variable(tf.zeros(shape)));
      made.set(id, v);
      return v;
    }
    const obj: Record<string, unknown> = {};
    made.set(id, obj);
    if (depth < 8) for (const c of node.children) if (c.nodeId !== 0) obj[c.localName] = build(c.nodeId, depth + 1);
    return obj;
  };
  return build(0, 0);
}

/** Every public entry point on one input; throws whatever they throw. */
async function exercise(files: Map<string, Uint8Array>, prefix: string, live: object | null): Promise<void> {
  const fsys = new MemoryFileSystem(files);
  const reader = await CheckpointReader.open(prefix, { fs: fsys, verifyChecksums: true });
  try {
    for (const key of reader.keys()) {
      reader.entry(key);
      try {
        await reader.getTensor(key);
      } catch (err) {
        if (!(err instanceof CheckpointError)) throw err;
      }
    }
    reader.variableToShapeMap();
    reader.debugString();
    const graph = await reader.objectGraph();
    if (graph !== null) {
      const view = CheckpointView.fromObjectGraph(graph);
      view.descendants();
      for (let id = 0; id < view.numNodes; id++) view.children(id);
      if (live !== null) {
        view.match(live, { view: new TrackableView(live) });
        view.diff(live);
      }
    }
  } finally {
    await reader.close();
  }
  if (live !== null) {
    try {
      const status = await new Checkpoint({ root: live }).restore(prefix, {
        fs: fsys,
        expectPartial: true,
        inPlace: true,
      });
      status.report();
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
    }
  }
}

export async function fuzz(
  seeds: Seed[],
  inputs: number,
  seedValue = 1,
  tf?: typeof import('@tensorflow/tfjs'),
): Promise<FuzzReport> {
  const rng = new Rng(seedValue);
  const report: FuzzReport = {
    inputs: 0,
    outcomes: {},
    slowest: { ms: 0, seed: '', mutation: '' },
    failures: [],
    maxMemoryGrowth: 0,
  };
  const previous = setLogger({ warn: () => undefined });
  const lives = new Map<Seed, object | null>();
  try {
    for (const seed of seeds) {
      let live: object | null = null;
      if (tf) {
        try {
          const r = await CheckpointReader.open(seed.prefix, { fs: new MemoryFileSystem(seed.files) });
          const graph = await r.objectGraph();
          if (graph) live = liveTreeFor(graph, r.variableToShapeMap(), tf);
          await r.close();
        } catch {
          live = null;
        }
      }
      lives.set(seed, live);
    }
    for (let i = 0; i < inputs; i++) {
      const seed = seeds[i % seeds.length]!;
      const [files, mutation] = await mutate(seed, rng);
      const inputBytes = [...files.values()].reduce((n, b) => n + b.length, 0);
      const before = process.memoryUsage().arrayBuffers;
      const live = lives.get(seed) ?? null;
      const {
        result: { outcome: met, error },
        ms,
      } = await timeInput(async (): Promise<{ outcome: Outcome; error: string }> => {
        try {
          await exercise(files, seed.prefix, live);
          return { outcome: 'ok', error: '' };
        } catch (err) {
          return classifyFailure(err);
        }
      });
      let outcome = met;
      const growth = process.memoryUsage().arrayBuffers - before;
      report.maxMemoryGrowth = Math.max(report.maxMemoryGrowth, growth);
      if (ms > report.slowest.ms) report.slowest = { ms, seed: seed.name, mutation };
      if (outcome === 'ok' || outcome.startsWith('typed')) {
        if (ms > INPUT_MS) outcome = 'slow';
        else if (growth > 64 * 1024 * 1024 + 16 * inputBytes) outcome = 'oversized';
      }
      report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
      if (outcome === 'untyped' || outcome === 'slow' || outcome === 'oversized') {
        if (report.failures.length < 20) report.failures.push({ seed: seed.name, mutation, outcome, error });
      }
      report.inputs++;
    }
  } finally {
    setLogger(previous);
  }
  return report;
}
