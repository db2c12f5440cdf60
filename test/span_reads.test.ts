/**
 * Small adjacent tensors of a local file are read in spans (src/bundle/span_reads, issue 13): the values are the
 * stored ones, far fewer reads reach the file, every byte read was asked for, and a damaged byte inside a span still
 * fails the checksum of the one tensor it belongs to.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { CheckpointError, CheckpointReader, NodeFileSystem } from '../src';
import { interceptDataReads } from './helpers/data_reads';
import * as hostile from './helpers/hostile';

const N = 2000;

/** wideNode(N) on disk: keys v0…v1999, each a float32 scalar holding its index, stored one after another. */
function onDisk(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-spans-'));
  for (const [name, bytes] of hostile.wideNode(N)) fs.writeFileSync(path.join(dir, path.basename(name)), bytes);
  return path.join(dir, path.basename(hostile.PREFIX));
}

/** A local file system that counts the reads of data files and the bytes they cover. */
function counting(): { fs: NodeFileSystem; reads: () => number; bytes: () => number } {
  let reads = 0;
  let bytes = 0;
  const fsys = interceptDataReads(
    new NodeFileSystem(),
    (read, _path, offset, length, target) => {
      reads++;
      bytes += length;
      return read(offset, length, target);
    },
    4 << 20,
  );
  return { fs: fsys, reads: () => reads, bytes: () => bytes };
}

const keys = Array.from({ length: N }, (_, i) => `v${i}/.ATTRIBUTES/VARIABLE_VALUE`);

describe('span reads of small adjacent tensors', () => {
  let prefix: string;
  beforeAll(() => {
    prefix = onDisk();
  });
  afterAll(() => fs.rmSync(path.dirname(prefix), { recursive: true, force: true }));

  it('give every stored value with a few reads, of exactly the requested bytes', async () => {
    const c = counting();
    const reader = await CheckpointReader.open(prefix, { fs: c.fs });
    try {
      const values = new Array<number>(N);
      // Every other key: the spans must skip the bytes of the keys not asked for.
      const wanted = keys.filter((_, i) => i % 2 === 0 || i < 100);
      await reader.getTensors(
        wanted,
        (i, v) => (values[Number(/^v(\d+)/.exec(wanted[i]!)![1])] = (v.data as Float32Array)[0]!),
      );
      const expected = new Array<number>(N);
      wanted.forEach((k) => (expected[Number(/^v(\d+)/.exec(k)![1])] = Number(/^v(\d+)/.exec(k)![1])));
      expect(values).toEqual(expected);
      // Keys 0…100 are adjacent (100 is even): one span; the rest are single 4-byte reads.
      expect(c.bytes()).toBe(4 * wanted.length);
      expect(c.reads()).toBe(1 + (wanted.length - 101));
      // All of them: one span (the file is 8000 bytes).
      const all = counting();
      const again = await CheckpointReader.open(prefix, { fs: all.fs });
      let sum = 0;
      await again.getTensors(keys, (_i, v) => (sum += (v.data as Float32Array)[0]!));
      await again.close();
      expect(sum).toBe((N * (N - 1)) / 2);
      expect(all.reads()).toBe(1);
    } finally {
      await reader.close();
    }
  });

  it('a damaged byte inside a span fails the checksum of its own tensor', async () => {
    const data = fs.readdirSync(path.dirname(prefix)).find((f) => f.includes('.data-'))!;
    const file = path.join(path.dirname(prefix), data);
    const bytes = fs.readFileSync(file);
    const reader = await CheckpointReader.open(prefix);
    const at = reader.entry(keys[1234]!).offset;
    await reader.close();
    bytes[at + 2]! ^= 0x40;
    fs.writeFileSync(file, bytes);
    try {
      const r = await CheckpointReader.open(prefix, { fs: counting().fs });
      try {
        const err = await r
          .getTensors(keys, () => undefined)
          .then(
            () => null,
            (e: unknown) => e,
          );
        expect(err).toBeInstanceOf(CheckpointError);
        expect((err as CheckpointError).code).toBe('CHECKSUM');
        expect((err as CheckpointError).key ?? (err as Error).message).toMatch(/v1234\//);
        // Its neighbours in the span read fine.
        expect(((await r.getTensor(keys[1233]!)).data as Float32Array)[0]).toBe(1233);
        expect(((await r.getTensor(keys[1235]!)).data as Float32Array)[0]).toBe(1235);
      } finally {
        await r.close();
      }
    } finally {
      bytes[at + 2]! ^= 0x40;
      fs.writeFileSync(file, bytes);
    }
  });
});
