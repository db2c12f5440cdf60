/** The tensor-bundle layer: varints, crc32c, OrderedCode, tables, encoding, state files and path resolution. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { BundleReader } from '../src/bundle/bundle_reader';
import { bundleFiles, encodeBundle, type TensorToWrite } from '../src/bundle/bundle_encoder';
import { formatCheckpointState, parseCheckpointState } from '../src/bundle/checkpoint_state';
import {
  crc32c,
  crc32cImplementation,
  FAST_CRC32C_THRESHOLD,
  maskCrc,
  prepareCrc32c,
  unmaskCrc,
} from '../src/bundle/crc32c';
import { encodeTensorNameSlice } from '../src/bundle/ordered_code';
import { resolveCheckpointPrefix } from '../src/bundle/paths';
import { TableReader } from '../src/bundle/table';
import { concatBytes, shortestSeparator, shortSuccessor, TableBuilder } from '../src/bundle/table_builder';
import { readVarint32, readVarint64 } from '../src/bundle/varint';
import {
  type ByteSource,
  CheckpointReader,
  ChecksumError,
  CorruptCheckpointError,
  latestCheckpoint,
  MemoryFileSystem,
  MemorySource,
  NodeFileSystem,
  NotFoundError,
  type TensorValue,
} from '../src';
import { flipBits } from './helpers/bytes';
import { interceptDataReads } from './helpers/data_reads';
import { FIXTURES_DIR } from './helpers/shared';
import { compress } from 'snappyjs';

const utf8 = new TextEncoder();
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('varints', () => {
  it('decode within bounds and reject overlong or truncated encodings', () => {
    expect(readVarint32(bytes(0xac, 0x02), { pos: 0 }, 2)).toBe(300);
    expect(readVarint32(bytes(0xff, 0xff, 0xff, 0xff, 0x0f), { pos: 0 }, 5)).toBe(0xffffffff);
    expect(readVarint32(bytes(0xff, 0xff, 0xff, 0xff, 0x10), { pos: 0 }, 5)).toBe(-1);
    expect(readVarint32(bytes(0x80, 0x80), { pos: 0 }, 2)).toBe(-1);
    expect(readVarint64(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x08), { pos: 0 }, 8)).toBe(2 ** 52);
    expect(readVarint64(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10), { pos: 0 }, 8)).toBe(-1);
    // 2^63 cannot be a size a JS process handles.
    expect(readVarint64(bytes(...new Array<number>(9).fill(0x80), 0x01), { pos: 0 }, 10)).toBe(-1);
  });
});

describe('crc32c', () => {
  it('gives the standard check value and chains', () => {
    const data = utf8.encode('123456789');
    expect(crc32c(data)).toBe(0xe3069283);
    expect(crc32c(data.subarray(5), crc32c(data.subarray(0, 5)))).toBe(0xe3069283);
  });

  it('switches to aws-crt`s implementation for large batches only, with the same results', () => {
    const data = Uint8Array.from({ length: (1 << 20) + 13 }, (_, i) => (i * 2654435761) >>> 24);
    const expected = crc32c(data);
    expect(crc32cImplementation()).toBe('native');
    expect(prepareCrc32c(FAST_CRC32C_THRESHOLD - 1)).toBe('native');
    // aws-crt is a devDependency: here it is installed, so a large batch loads it.
    expect(prepareCrc32c(FAST_CRC32C_THRESHOLD)).toBe('aws-crt');
    expect(crc32cImplementation()).toBe('aws-crt');
    expect(crc32c(data)).toBe(expected);
    expect(crc32c(data.subarray(7), crc32c(data.subarray(0, 7)))).toBe(expected);
    expect(crc32c(utf8.encode('123456789'))).toBe(0xe3069283);
  });

  it('masks like TensorFlow and unmasks back', () => {
    for (const c of [0, 1, 0xe3069283, 0xffffffff, 0x12345678]) expect(unmaskCrc(maskCrc(c))).toBe(c);
    expect(maskCrc(0)).toBe(0xa282ead8);
  });
});

describe('OrderedCode slice keys', () => {
  it('encodes TensorFlow`s example bytes', () => {
    const key = encodeTensorNameSlice('sv/.ATTRIBUTES/VARIABLE_VALUE', {
      extents: [
        { start: 0, length: 3 },
        { start: 0, length: 2 },
      ],
    });
    expect([...key]).toEqual([0, ...utf8.encode('sv/.ATTRIBUTES/VARIABLE_VALUE'), 0, 1, 1, 2, 0x80, 0x83, 0x80, 0x82]);
  });

  it('escapes 0x00 and 0xff in names and encodes multi-byte and negative numbers in order', () => {
    const enc = (start: number, length: number): number[] =>
      [...encodeTensorNameSlice('', { extents: [{ start, length }] })].slice(5);
    expect(enc(0, -1)).toEqual([0x80, 0x7f]);
    expect(enc(64, 63)).toEqual([0xc0, 0x40, 0xbf]);
    expect(enc(279, 8191)).toEqual([0xc1, 0x17, 0xdf, 0xff]);
    expect(enc(8192, 0)).toEqual([0xe0, 0x20, 0x00, 0x80]);
    const sorted = [0, 1, 63, 64, 100, 8191, 8192, 2 ** 20, 2 ** 40, 2 ** 52].map((n) => Buffer.from(enc(n, 0)));
    expect([...sorted].sort((a, b) => Buffer.compare(a, b))).toEqual(sorted);
  });
});

describe('tables', () => {
  function build(
    n: number,
    options: ConstructorParameters<typeof TableBuilder>[0],
  ): { file: Uint8Array; keys: string[] } {
    const keys = Array.from(
      { length: n },
      (_, i) => `key/${String((i * 7919) % 100003).padStart(6, '0')}/${'x'.repeat(i % 13)}`,
    ).sort();
    const t = new TableBuilder(options);
    keys.forEach((k, i) => t.add(utf8.encode(k), utf8.encode(`value ${i}`)));
    return { file: concatBytes(t.finish()), keys };
  }

  it.each([
    ['raw', { blockSize: 4096 }],
    ['snappy', { blockSize: 4096, snappy: compress }],
    ['restart interval 1', { blockSize: 1024, restartInterval: 1 }],
  ])('round-trips %s blocks, iterates in order and finds every key by seeking', async (_name, options) => {
    const { file, keys } = build(3000, options);
    const table = await TableReader.open(new MemorySource('t.index', file));
    expect(table.dataBlocks.length).toBeGreaterThan(10);
    const seen: string[] = [];
    for await (const [k] of table.entries()) seen.push(Buffer.from(k).toString());
    expect(seen).toEqual(keys);
    for (const i of [0, 1, 17, 1500, 2999]) {
      expect(Buffer.from((await table.get(utf8.encode(keys[i])))!).toString()).toBe(`value ${i}`);
    }
    expect(await table.get(utf8.encode('key/'))).toBeNull();
    expect(await table.get(utf8.encode('zzz'))).toBeNull();
    expect(await table.get(utf8.encode(`${keys[5]}!`))).toBeNull();
  });

  it('stores Snappy blocks as type 1', async () => {
    const { file } = build(500, { blockSize: 4096, snappy: compress });
    const table = await TableReader.open(new MemorySource('t.index', file));
    const h = table.dataBlocks[0]!.handle;
    expect(file[h.offset + h.size]).toBe(1);
  });

  it('uses the shortest separators and successors TensorFlow uses', () => {
    const s = (a: string, b: string): string =>
      Buffer.from(shortestSeparator(utf8.encode(a), utf8.encode(b))).toString();
    expect(s('abcdef', 'abzzzz')).toBe('abd');
    expect(s('abc', 'abcdef')).toBe('abc');
    expect(s('abc', 'abd')).toBe('abc');
    expect(Buffer.from(shortSuccessor(utf8.encode('save_counter/.ATTRIBUTES'))).toString()).toBe('t');
  });

  it('reports corruption with TensorFlow`s words and the file name', async () => {
    const { file } = build(100, {});
    const open = (b: Uint8Array): Promise<unknown> =>
      TableReader.open(new MemorySource('x.index', b)).then(async (t) => {
        for await (const _ of t.entries());
      });
    await expect(open(file.subarray(0, 20))).rejects.toThrow('x.index: file is too short to be an sstable');
    const badMagic = file.slice();
    flipBits(badMagic, badMagic.length - 1, 1);
    await expect(open(badMagic)).rejects.toThrow('not an sstable (bad magic number)');
    const flipped = file.slice();
    flipBits(flipped, 10, 0x40);
    await expect(open(flipped)).rejects.toThrow(/block checksum mismatch/);
    await expect(open(file.subarray(100))).rejects.toBeInstanceOf(CorruptCheckpointError);
  });
});

/** One tensor of each kind of dtype layout, for round trips. */
const values: TensorValue[] = [
  { dtype: 'float32', shape: [2, 2], data: Float32Array.of(1.5, -2, NaN, Infinity) },
  { dtype: 'float64', shape: [2], data: Float64Array.of(Math.PI, -0) },
  { dtype: 'int64', shape: [3], data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n, 5n) },
  { dtype: 'uint16', shape: [2], data: Uint16Array.of(1, 65535) },
  { dtype: 'complex64', shape: [1], data: Float32Array.of(1, -1) },
  { dtype: 'bfloat16', shape: [2], data: Uint16Array.of(0x3f80, 0xc060) },
  { dtype: 'string', shape: [2], data: [utf8.encode('big'), utf8.encode('endian')] },
  { dtype: 'bool', shape: [3], data: Uint8Array.of(1, 0, 1) },
];

describe('bundle encoding', () => {
  it('re-encodes TensorFlow`s dtype fixture byte for byte (index and data)', async () => {
    const prefix = path.join(FIXTURES_DIR, 'dtypes', 'ckpt');
    const reader = await CheckpointReader.open(prefix);
    // TensorFlow writes data in save order; recover it from the offsets (empty tensors share their successor's).
    const order = (k: string): [number, number] => [reader.entry(k).offset, reader.entry(k).size];
    const keys = reader.keys().sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1]);
    const tensors: TensorToWrite[] = [];
    for (const key of keys) tensors.push({ key, value: await reader.getTensor(key) });
    await reader.close();
    const files = bundleFiles('ckpt', encodeBundle(tensors));
    expect(Buffer.from(files['ckpt.index']!).equals(fs.readFileSync(`${prefix}.index`))).toBe(true);
    expect(
      Buffer.from(files['ckpt.data-00000-of-00001']!).equals(fs.readFileSync(`${prefix}.data-00000-of-00001`)),
    ).toBe(true);
  });

  it('reads big-endian bundles, byte-swapping after the checksum', async () => {
    const tensors = values.map((value, i) => ({ key: `t${i}`, value }));
    const fsys = new MemoryFileSystem(bundleFiles('/be', encodeBundle(tensors, { endianness: 'big' })));
    const reader = await CheckpointReader.open('/be', { fs: fsys });
    expect(reader.header.endianness).toBe('big');
    for (const [i, v] of values.entries()) expect(await reader.getTensor(`t${i}`)).toEqual(v);
    // The stored bytes really are big-endian.
    const data = fsys.files.get('/be.data-00000-of-00001')!;
    expect([...data.subarray(0, 4)]).toEqual([0x3f, 0xc0, 0x00, 0x00]);
  });

  it('spreads tensors over shards and reads each from its own file', async () => {
    const tensors = values.map((value, i) => ({ key: `t${i}`, value, shard: i % 3 }));
    const fsys = new MemoryFileSystem(bundleFiles('/s', encodeBundle(tensors, { numShards: 3 })));
    const reader = await CheckpointReader.open('/s', { fs: fsys });
    expect(reader.dataFile('t4')).toBe('/s.data-00001-of-00003');
    for (const [i, v] of values.entries()) expect(await reader.getTensor(`t${i}`)).toEqual(v);
  });

  it('verifies each tensor`s checksum unless told not to', async () => {
    const files = bundleFiles('/c', encodeBundle([{ key: 'x', value: values[0]! }]));
    flipBits(files['/c.data-00000-of-00001'] ?? new Uint8Array(0), 3, 0x01);
    const fsys = new MemoryFileSystem(files);
    const err = await (await CheckpointReader.open('/c', { fs: fsys })).getTensor('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    expect((err as ChecksumError).message).toMatch(
      /^TensorBundle at \/c\.data-00000-of-00001 shard 0 \(16 bytes\): Checksum does not match: stored \d+ vs\. calculated on the restored bytes \d+ \(key x\)$/,
    );
    expect((err as ChecksumError).key).toBe('x');
    const value = await (await CheckpointReader.open('/c', { fs: fsys, verifyChecksums: false })).getTensor('x');
    expect(value.shape).toEqual([2, 2]);
  });

  it('reports missing keys with TensorFlow`s text', async () => {
    const fsys = new MemoryFileSystem(bundleFiles('/m', encodeBundle([{ key: 'x', value: values[0]! }])));
    const reader = await CheckpointReader.open('/m', { fs: fsys });
    await expect(reader.getTensor('y')).rejects.toThrow(new NotFoundError('Key y not found in checkpoint'));
  });

  it('closes every file it opened', async () => {
    const tensors = values.map((value, i) => ({ key: `t${i}`, value, shard: i % 2 }));
    const fsys = new MemoryFileSystem(bundleFiles('/h', encodeBundle(tensors, { numShards: 2 })));
    const open = new Set<string>();
    const tracking = Object.create(fsys) as MemoryFileSystem;
    tracking.open = async (p: string) => {
      const src = await fsys.open(p);
      open.add(p);
      return {
        ...src,
        name: src.name,
        size: src.size,
        read: src.read.bind(src),
        close: async () => void open.delete(p),
      };
    };
    const reader = await BundleReader.open(tracking, '/h');
    for (let i = 0; i < values.length; i++) await reader.getTensor(`t${i}`);
    expect(open.size).toBe(3);
    await reader.close();
    expect(open.size).toBe(0);
  });
});

describe('reading many tensors, and large tensors in pieces', () => {
  /** A MemoryFileSystem whose sources ask for reads in pieces of `pieceSize`, counting every read. */
  function piecewise(
    files: Record<string, Uint8Array>,
    pieceSize: number,
  ): { fs: MemoryFileSystem; reads: Array<[number, number]> } {
    const reads: Array<[number, number]> = [];
    const count = (
      read: ByteSource['read'],
      _path: string,
      offset: number,
      length: number,
      target?: Uint8Array,
    ): Promise<Uint8Array> => {
      reads.push([offset, length]);
      return read(offset, length, target);
    };
    const fsys = interceptDataReads(new MemoryFileSystem(files), count, pieceSize);
    return { fs: fsys, reads };
  }
  // Sizes around the piece size: one byte less, equal, one more, several pieces and a remainder.
  const lengths = [249, 250, 251, 1000, 1003];
  const tensors = lengths.map((n, i): TensorToWrite => ({
    key: `t${i}`,
    value: { dtype: 'uint8', shape: [n], data: Uint8Array.from({ length: n }, (_, k) => (k * 31 + i) & 255) },
  }));

  it('reads a tensor in pieces, checksummed as a whole, into one buffer of its own', async () => {
    const { fs: fsys, reads } = piecewise(bundleFiles('/p', encodeBundle(tensors)), 250);
    const reader = await CheckpointReader.open('/p', { fs: fsys });
    for (const t of tensors) {
      reads.length = 0;
      const value = await reader.getTensor(t.key);
      expect(value).toEqual(t.value);
      expect((value.data as Uint8Array).byteOffset).toBe(0);
      const { offset, size } = reader.entry(t.key);
      expect(reads).toEqual(
        Array.from({ length: Math.ceil(size / 250) }, (_, i) => [offset + 250 * i, Math.min(250, size - 250 * i)]),
      );
    }
  });

  it('finds a damaged byte in any piece', async () => {
    for (const at of [0, 249, 250, 999, 1002]) {
      const files = bundleFiles('/d', encodeBundle(tensors));
      const reader0 = await CheckpointReader.open('/d', { fs: new MemoryFileSystem(files) });
      flipBits(files['/d.data-00000-of-00001'] ?? new Uint8Array(0), reader0.entry('t4').offset + at, 0x10);
      const reader = await CheckpointReader.open('/d', { fs: piecewise(files, 250).fs });
      await expect(reader.getTensor('t4')).rejects.toThrow(ChecksumError);
      await expect(reader.getTensor('t3')).resolves.toEqual(tensors[3]!.value);
    }
  });

  it('getTensors hands every tensor to its index and stops at the first failure', async () => {
    const mixed = [...tensors, ...values.map((value, i) => ({ key: `v${i}`, value }))];
    const reader = await CheckpointReader.open('/g', { fs: piecewise(bundleFiles('/g', encodeBundle(mixed)), 250).fs });
    const got = new Map<number, TensorValue>();
    const keys = mixed.map((t) => t.key).reverse();
    await reader.getTensors(keys, (i, v) => void got.set(i, v), 3);
    expect(keys.map((_, i) => got.get(i))).toEqual(mixed.map((t) => t.value).reverse());

    // A failing callback stops the run: no tensor is started after it, and its error is what is thrown.
    let calls = 0;
    const err = await reader
      .getTensors(
        keys,
        () => {
          if (++calls === 2) throw new Error('stop');
        },
        1,
      )
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('stop');
    expect(calls).toBe(2);
    // An unknown key fails before anything is read.
    await expect(reader.getTensors(['t0', 'nope'], () => undefined)).rejects.toThrow(
      new NotFoundError('Key nope not found in checkpoint'),
    );
  });
});

describe('checkpoint state file', () => {
  const text = [
    'model_checkpoint_path: "ckpt-19"',
    'all_model_checkpoint_paths: "ckpt-17"',
    'all_model_checkpoint_paths: "ckpt-19"',
    'all_model_checkpoint_timestamps: 1673735799.685766',
    'all_model_checkpoint_timestamps: 1673736140.596798',
    'last_preserved_timestamp: 1673735591.495455',
    '',
  ].join('\n');

  it('parses and formats TensorFlow`s text format', () => {
    const state = parseCheckpointState(text, 'checkpoint');
    expect(state).toEqual({
      modelCheckpointPath: 'ckpt-19',
      allModelCheckpointPaths: ['ckpt-17', 'ckpt-19'],
      allModelCheckpointTimestamps: [1673735799.685766, 1673736140.596798],
      lastPreservedTimestamp: 1673735591.495455,
    });
    expect(formatCheckpointState(state)).toBe(text);
  });

  it('handles escapes and rejects unknown fields', () => {
    expect(parseCheckpointState('model_checkpoint_path: "a\\"b\\303\\274"', 'f').modelCheckpointPath).toBe('a"bü');
    expect(() => parseCheckpointState('model_path: "x"', 'dir/checkpoint')).toThrow(
      'Invalid checkpoint state file dir/checkpoint: unknown field model_path',
    );
  });
});

describe('path resolution', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-paths-'));
    const files = bundleFiles(
      path.join(dir, 'run', 'ckpt-2'),
      encodeBundle([{ key: 'x', value: { dtype: 'int32', shape: [], data: Int32Array.of(7) } }]),
    );
    Object.assign(files, bundleFiles(path.join(dir, 'saved', 'variables', 'variables'), encodeBundle([])));
    for (const [p, b] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, b);
    }
    fs.writeFileSync(
      path.join(dir, 'run', 'checkpoint'),
      'model_checkpoint_path: "ckpt-2"\nall_model_checkpoint_paths: "ckpt-2"\n',
    );
    fs.writeFileSync(path.join(dir, 'saved', 'saved_model.pb'), '');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const resolve = (p: string): Promise<string> => resolveCheckpointPrefix(new NodeFileSystem(), p);

  it('accepts a prefix, a checkpoint directory, a SavedModel directory and a bundle file', async () => {
    const prefix = path.join(dir, 'run', 'ckpt-2');
    expect(await resolve(prefix)).toBe(prefix);
    expect(await resolve(path.join(dir, 'run'))).toBe(prefix);
    expect(await resolve(`${prefix}.index`)).toBe(prefix);
    expect(await resolve(`${prefix}.data-00000-of-00001`)).toBe(prefix);
    expect(await resolve(path.join(dir, 'saved'))).toBe(path.join(dir, 'saved', 'variables', 'variables'));
  });

  it('fails with TensorFlow`s messages naming the path', async () => {
    await expect(resolve(path.join(dir, 'run', 'ckpt-3'))).rejects.toThrow(
      `Unsuccessful TensorSliceReader constructor: Failed to find any matching files for ${path.join(dir, 'run', 'ckpt-3')}`,
    );
    await expect(resolve(dir)).rejects.toThrow(
      `Couldn't find 'checkpoint' file or checkpoints in given directory ${dir}`,
    );
  });

  it('latestCheckpoint follows the state file and checks the checkpoint exists', async () => {
    expect(await latestCheckpoint(path.join(dir, 'run'))).toBe(path.join(dir, 'run', 'ckpt-2'));
    expect(await latestCheckpoint(dir)).toBeNull();
    fs.writeFileSync(path.join(dir, 'checkpoint'), 'model_checkpoint_path: "gone-1"\n');
    expect(await latestCheckpoint(dir)).toBeNull();
  });

  it('reads the shared corpus`s state files the way TensorFlow does', async () => {
    const tictactoe = path.join(
      FIXTURES_DIR,
      '..',
      '..',
      '..',
      '..',
      'shared',
      'tf-checkpoints',
      'tfckpt-tictactoe-2023',
    );
    if (!fs.existsSync(tictactoe)) return;
    expect(await latestCheckpoint(tictactoe)).toBe(path.join(tictactoe, 'ckpt-19'));
    expect(await latestCheckpoint(path.join(FIXTURES_DIR, 'seed-children'))).toBe(
      path.join(FIXTURES_DIR, 'seed-children', 'tf_ckpts-1'),
    );
  });
});
