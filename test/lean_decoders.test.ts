/**
 * The hand-rolled decoders of the hot paths (issue 13) against protobufjs, the reference they replace: object-graph
 * nodes (src/graph/node_decoder) and index entries (leanEntry in src/bundle/entry), on every checkpoint TensorFlow
 * wrote for the fixtures and the shared corpus, and on seeded random messages with unknown fields, odd values and
 * truncations; and the index's key table (src/bundle/key_index).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import Long from 'long';

import { CheckpointReader, NodeFileSystem } from '../src';
import { leanEntry } from '../src/bundle/entry';
import { hashBytes, hashText, KeyIndex } from '../src/bundle/key_index';
import { keyText } from '../src/bundle/key_text';
import { tensorflow } from '../src/bundle/protos';
import { TableReader } from '../src/bundle/table';
import { decodeTrackableObject, NodeReader } from '../src/graph/node_decoder';
import { OBJECT_GRAPH_PROTO_KEY } from '../src/graph/object_graph';
import { CORPUS_DIR, corpusAvailable } from './helpers/shared';
import { Rng } from './helpers/rng';

type ProtoNode = tensorflow.TrackableObjectGraph.ITrackableObject;

/** A node as plain data, from protobufjs's message (defaults filled in as proto3 defines them). */
function reference(n: ProtoNode): unknown {
  return {
    children: (n.children ?? []).map((c) => ({ nodeId: c.nodeId ?? 0, localName: c.localName ?? '' })),
    attributes: (n.attributes ?? []).map((a) => ({
      name: a.name ?? '',
      fullName: a.fullName ?? '',
      checkpointKey: a.checkpointKey ?? '',
      optionalRestore: a.optionalRestore ?? false,
    })),
    slotVariables: (n.slotVariables ?? []).map((s) => ({
      originalVariableNodeId: s.originalVariableNodeId ?? 0,
      slotName: s.slotName ?? '',
      slotVariableNodeId: s.slotVariableNodeId ?? 0,
    })),
    registeredSaver: n.registeredSaver
      ? { name: n.registeredSaver.name ?? '', objectName: n.registeredSaver.objectName ?? '' }
      : null,
    hasCheckpointValues: n.hasCheckpointValues ? (n.hasCheckpointValues.value ?? false) : null,
  };
}

function lean(bytes: Uint8Array): unknown {
  const n = decodeTrackableObject(new NodeReader(bytes), 0, bytes.length);
  return { ...n, children: [...n.children], attributes: [...n.attributes], slotVariables: [...n.slotVariables] };
}

/** protobufjs's entry as the numbers leanEntry gives (null when leanEntry should decline it). */
function referenceEntry(bytes: Uint8Array): unknown {
  const e = tensorflow.BundleEntryProto.decode(bytes);
  const num = (v: Long | number | null | undefined): number | null => {
    const n = v === null || v === undefined ? 0 : typeof v === 'number' ? v : Long.fromValue(v).toNumber();
    return Number.isSafeInteger(n) &&
      n >= 0 &&
      (typeof v !== 'object' || v === null || Long.fromValue(v).lessThanOrEqual(Number.MAX_SAFE_INTEGER))
      ? n
      : null;
  };
  const shape = (e.shape?.dim ?? []).map((d) => num(d.size));
  const fields = [num(e.offset), num(e.size), ...shape];
  if (e.slices.length > 0 || e.shape?.unknownRank || fields.includes(null) || e.shardId < 0 || e.dtype < 0) return null;
  return {
    dtypeId: e.dtype,
    shape,
    shardId: e.shardId,
    offset: num(e.offset),
    size: num(e.size),
    crc32c: e.crc32c >>> 0,
  };
}

function indexFiles(): string[] {
  const roots = [path.join(__dirname, 'fixtures', 'tf'), ...(corpusAvailable() ? [CORPUS_DIR] : [])];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.index')) out.push(p);
    }
  };
  roots.forEach(walk);
  return out;
}

describe('lean decoders agree with protobufjs on checkpoints TensorFlow wrote', () => {
  const files = indexFiles();
  if (!corpusAvailable()) process.stdout.write(`lean decoders: shared corpus absent at ${CORPUS_DIR}; fixtures only\n`);

  it('every index entry', async () => {
    let checked = 0;
    for (const file of files) {
      const fsys = new NodeFileSystem();
      const source = await fsys.open(file);
      try {
        let table: TableReader;
        try {
          table = await TableReader.open(source);
        } catch {
          continue; // The corpus's files that are not tables (_negative) are other tests' business.
        }
        for await (const [key, value] of table.entries()) {
          if (key.length === 0 || key[0] === 0) continue;
          expect(leanEntry(value)).toEqual(referenceEntry(value));
          checked++;
        }
      } finally {
        await source.close();
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('every object-graph node', async () => {
    let checked = 0;
    for (const file of files) {
      const prefix = file.slice(0, -'.index'.length);
      let reader: CheckpointReader;
      try {
        reader = await CheckpointReader.open(prefix);
      } catch {
        continue; // The corpus's deliberately broken checkpoints (and index-only ones) are other tests' business.
      }
      try {
        if (!reader.has(OBJECT_GRAPH_PROTO_KEY)) continue;
        let bytes: Uint8Array;
        try {
          bytes = (await reader.getTensor(OBJECT_GRAPH_PROTO_KEY)).data[0] as Uint8Array;
        } catch {
          continue; // Index-only corpus entries have no data files.
        }
        const nodes = tensorflow.TrackableObjectGraph.decode(bytes).nodes;
        nodes.forEach((n) => {
          const raw = tensorflow.TrackableObjectGraph.TrackableObject.encode(n).finish();
          expect(lean(raw)).toEqual(reference(n));
        });
        // And through the graph: the same nodes, by id.
        const graph = (await reader.objectGraph())!;
        expect(
          graph.nodes.map((n) => ({
            ...n,
            children: [...n.children],
            attributes: [...n.attributes],
            slotVariables: [...n.slotVariables],
          })),
        ).toEqual(nodes.map(reference));
        checked += nodes.length;
      } catch (err) {
        if (err instanceof Error && /CORRUPT|checksum|Cannot/i.test(err.message)) continue;
        throw err;
      } finally {
        await reader.close();
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

const ALPHABET = ['a', 'Z', '/', '.', '_', '0', 'é', '€', '😀', '\u0000', 'VARIABLE_VALUE', '.ATTRIBUTES', '\u001b'];

function randomString(rng: Rng): string {
  return Array.from({ length: rng.int(6) }, () => ALPHABET[rng.int(ALPHABET.length)]!).join('');
}

function randomInt32(rng: Rng): number {
  return [0, 1, 7, 127, 128, 2 ** 31 - 1, -1, -(2 ** 31), rng.int(1 << 20)][rng.int(9)]!;
}

/**
 * Unknown fields (numbers from `first` to 40, every wire type but groups) appended to a message. (protobufjs does
 * not check a known field's wire type, so known numbers are left out.)
 */
function unknownFields(rng: Rng, first: number): Uint8Array {
  const bytes: number[] = [];
  for (let k = rng.int(3); k > 0; k--) {
    const field = first + rng.int(41 - first);
    const wire = [0, 1, 2, 5][rng.int(4)]!;
    const tag = (field << 3) | wire;
    if (tag < 0x80) bytes.push(tag);
    else bytes.push((tag & 0x7f) | 0x80, tag >>> 7);
    if (wire === 0) bytes.push(0x96, 0x01);
    else if (wire === 1) bytes.push(1, 2, 3, 4, 5, 6, 7, 8);
    else if (wire === 2) bytes.push(3, 0x61, 0x62, 0x63);
    else bytes.push(9, 9, 9, 9);
  }
  return Uint8Array.from(bytes);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

describe('lean decoders agree with protobufjs on random messages (seeded)', () => {
  it('object-graph nodes: values, unknown fields, repeated singular fields, truncations', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 3000; i++) {
      const n: ProtoNode = {
        children: Array.from({ length: rng.int(4) }, () => ({
          nodeId: randomInt32(rng),
          localName: randomString(rng),
        })),
        attributes: Array.from({ length: rng.int(3) }, () => ({
          name: randomString(rng),
          fullName: randomString(rng),
          checkpointKey: randomString(rng),
          optionalRestore: rng.int(2) === 0,
        })),
        slotVariables: Array.from({ length: rng.int(3) }, () => ({
          originalVariableNodeId: randomInt32(rng),
          slotName: randomString(rng),
          slotVariableNodeId: randomInt32(rng),
        })),
        registeredSaver: rng.int(3) === 0 ? { name: randomString(rng), objectName: randomString(rng) } : null,
        hasCheckpointValues: rng.int(3) === 0 ? { value: rng.int(2) === 0 } : null,
      };
      let bytes = tensorflow.TrackableObjectGraph.TrackableObject.encode(n).finish();
      // A second copy of the singular message fields: merged into the first, field by field, in both decoders.
      if (rng.int(4) === 0)
        bytes = concat(
          bytes,
          tensorflow.TrackableObjectGraph.TrackableObject.encode({
            registeredSaver: { name: 'late' },
            hasCheckpointValues: rng.int(2) === 0 ? {} : { value: true },
          }).finish(),
        );
      bytes = concat(bytes, unknownFields(rng, 6));
      const ref = tensorflow.TrackableObjectGraph.TrackableObject.decode(bytes);
      expect(lean(bytes)).toEqual(reference(ref));
      // Cut anywhere inside: whatever protobufjs rejects, the lean decoder rejects too.
      const cut = bytes.subarray(0, rng.int(bytes.length));
      let refFailed = false;
      let refValue: unknown;
      try {
        refValue = reference(tensorflow.TrackableObjectGraph.TrackableObject.decode(cut));
      } catch {
        refFailed = true;
      }
      if (refFailed) expect(() => lean(cut)).toThrow();
      else expect(lean(cut)).toEqual(refValue);
    }
  });

  it('invalid UTF-8 in a string fails as in protobufjs; nested groups are skipped up to a bound', () => {
    // local_name holding 0xff: protobufjs's strict proto3 read rejects it, and so does the lean decoder.
    const bad = Uint8Array.of(0x0a, 0x05, 0x08, 0x01, 0x12, 0x01, 0xff);
    expect(() => tensorflow.TrackableObjectGraph.TrackableObject.decode(bad)).toThrow();
    expect(() => lean(bad)).toThrow(/invalid|utf-8|encoded/i);
    // 100 nested groups are skipped; 101 are refused instead of recursing without bound.
    const groups = (depth: number): Uint8Array =>
      Uint8Array.from([...Array<number>(depth).fill((9 << 3) | 3), ...Array<number>(depth).fill((9 << 3) | 4)]);
    expect(lean(groups(100))).toEqual(reference({}));
    expect(() => lean(groups(101))).toThrow(/nested more than 100/);
  });

  it('index entries: lean where every number is ordinary, declined (null) otherwise', () => {
    const rng = new Rng(11);
    const bigs = [0, 1, 4, 2 ** 31, 2 ** 53 - 1, 2 ** 53, -1, 2 ** 62];
    let leanCount = 0;
    for (let i = 0; i < 3000; i++) {
      const big = (): Long => Long.fromNumber(bigs[rng.int(bigs.length)]!);
      const e: tensorflow.IBundleEntryProto = {
        dtype: [1, 3, 7, 9, 14, 0][rng.int(6)]!,
        shape:
          rng.int(5) === 0
            ? { unknownRank: true }
            : {
                dim: Array.from({ length: rng.int(4) }, () => ({
                  size: rng.int(4) === 0 ? big() : Long.fromNumber(rng.int(100)),
                  name: rng.int(3) === 0 ? 'd' : '',
                })),
              },
        shardId: rng.int(5) === 0 ? randomInt32(rng) : rng.int(3),
        offset: rng.int(3) === 0 ? big() : Long.fromNumber(rng.int(1 << 30)),
        size: rng.int(3) === 0 ? big() : Long.fromNumber(rng.int(1 << 20)),
        crc32c: rng.int(2 ** 31) * 2 + rng.int(2),
        slices: rng.int(6) === 0 ? [{ extent: [{ start: Long.fromNumber(0) }] }] : [],
      };
      const bytes = concat(tensorflow.BundleEntryProto.encode(e).finish(), unknownFields(rng, 8));
      const got = leanEntry(bytes);
      expect(got).toEqual(referenceEntry(bytes));
      if (got !== null) leanCount++;
    }
    // Both paths are exercised.
    expect(leanCount).toBeGreaterThan(300);
    expect(leanCount).toBeLessThan(2900);
  });
});

describe('the index key table', () => {
  const utf8 = new TextEncoder();
  /** Keys in the index's order (bytewise), as a scan adds them. */
  const scanned = (keys: string[]): KeyIndex => {
    const index = new KeyIndex();
    for (const k of keys) {
      const bytes = utf8.encode(k);
      index.addScanned(bytes, bytes.length, keyText);
    }
    return index;
  };
  const byteOrder = (a: string, b: string): number => Buffer.compare(utf8.encode(a), utf8.encode(b));

  it('finds every key scanned, by binary search and then by hash table, and no other; texts made on demand', () => {
    // ASCII keys (all TensorFlow writes): searched in the arena until lookups pay for a table (50,000 / 16).
    const keys = Array.from(
      { length: 50_000 },
      (_, i) => `layer_${i % 97}/kernel_${i}/.ATTRIBUTES/VARIABLE_VALUE`,
    ).sort(byteOrder);
    const absent = [
      'layer_1/kernel_1/.ATTRIBUTES/VARIABLE_VALU',
      '',
      'layer_0/kernel_0/.ATTRIBUTES/VARIABLE_VALUEx',
      'ключ',
      '~',
    ];
    const index = scanned(keys);
    const wrong: string[] = [];
    keys.forEach((k, i) => {
      if (i % 3 === 0 && index.keyAt(i) !== k) wrong.push(`keyAt ${i}`);
    });
    // Absent keys before and after the table is built; every key found both ways.
    for (const k of absent) if (index.find(k) !== -1) wrong.push(`found absent ${k}`);
    keys.forEach((k, i) => {
      if (index.find(k) !== i) wrong.push(`find ${k}`);
    });
    for (const k of absent) if (index.find(k) !== -1) wrong.push(`found absent ${k} in the table`);
    if (index.keys().some((k, i) => k !== keys[i])) wrong.push('keys()');
    expect(wrong).toEqual([]);
    // A key added later (an index read without a scan) is found through the table.
    expect(index.find('late')).toBe(-1);
    expect(index.add('late')).toBe(50_000);
    expect(index.find('late')).toBe(50_000);
    expect(index.keyAt(50_000)).toBe('late');
    expect(() => index.keyAt(50_001)).toThrow(RangeError);
  });

  it('names keys that are not ASCII by their text and finds them, and every other key, by hash table', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? `ключ/${i}` : `v/${i}`)).sort(byteOrder);
    const index = scanned(keys);
    const wrong: string[] = [];
    keys.forEach((k, i) => {
      if (index.find(k) !== i) wrong.push(`find ${k}`);
      if (index.keyAt(i) !== k) wrong.push(`keyAt ${i}`);
    });
    // Bytes that are not UTF-8 get keyText's name.
    const bad = Uint8Array.of(0x7a, 0xff);
    expect(index.addScanned(bad, 2, keyText)).toBe(5000);
    expect(index.find(keyText(bad))).toBe(5000);
    expect(index.find('z')).toBe(-1);
    expect(wrong).toEqual([]);
  });

  it('hashes with 32-bit FNV-1a (published test vectors)', () => {
    // From the FNV reference (isthe.com/chongo/tech/comp/fnv): FNV-1a 32 of "", "a" and "foobar".
    const fnv1a = (s: string): number => hashText(s) >>> 0;
    expect([fnv1a(''), fnv1a('a'), fnv1a('foobar')]).toEqual([0x811c9dc5, 0xe40c292c, 0xbf9cf968]);
    const bytes = new TextEncoder().encode('foobar');
    expect(hashBytes(bytes, 0, bytes.length) >>> 0).toBe(0xbf9cf968);
  });
});
