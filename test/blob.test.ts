/**
 * BlobFileSystem: checkpoints from File objects (as `<input type=file multiple webkitdirectory>`, a drop or a
 * directory handle give them), read lazily with Blob.slice. Values are TensorFlow's (_TF_ORACLE.json). Chromium
 * runs the same source on real File objects in test/browser.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { BlobFileSystem, CheckpointReader, IOError, listVariables, NotFoundError, UnsupportedError } from '../src';
import type { DataTransferLike, DirectoryHandleLike, EntryLike, FileLike } from '../src/io/blob';
import { CORPUS_DIR, corpusAvailable, type Oracle } from './helpers/shared';
import { tensorSha256 } from './helpers/values';

const NAME = 'keras-mlp-tiny-mnist-sharded';
const SKIP = corpusAvailable() ? null : 'the ../shared corpus is absent';
if (SKIP) console.warn(`blob.test.ts skipped: ${SKIP}`);
const maybe = SKIP ? describe.skip : describe;

/** A File as a browser gives it for a folder picked with webkitdirectory, counting the bytes sliced out of it. */
function pickedFile(dir: string, name: string, sliced: { bytes: number }): FileLike {
  const blob = new Blob([fs.readFileSync(path.join(CORPUS_DIR, dir, name))]);
  return {
    name,
    webkitRelativePath: `${dir}/${name}`,
    size: blob.size,
    lastModified: 0,
    slice(start: number, end: number) {
      sliced.bytes += end - start;
      return blob.slice(start, end);
    },
  };
}

maybe('BlobFileSystem', () => {
  const oracle = (): Oracle =>
    JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, NAME, '_TF_ORACLE.json'), 'utf8')) as Oracle;
  const names = (): string[] => fs.readdirSync(path.join(CORPUS_DIR, NAME));

  it('opens a picked folder by name, with TF’s list_variables and tensor bytes', async () => {
    const sliced = { bytes: 0 };
    const progress: number[] = [];
    const fsys = new BlobFileSystem(
      names().map((n) => pickedFile(NAME, n, sliced)),
      { onProgress: (p) => progress.push(p.bytesRead) },
    );
    expect(await listVariables(NAME, { fs: fsys })).toEqual(oracle().list_variables);
    const reader = await CheckpointReader.open(NAME, { fs: fsys });
    const keys = reader.keys();
    const got = new Array<[string, string]>(keys.length);
    await reader.getTensors(keys, (i, v) => (got[i] = [keys[i]!, tensorSha256(v)]));
    expect(got).toEqual(oracle().tensors!.map((t) => [t.key, t.sha256]));
    expect(progress.at(-1)).toBe(sliced.bytes);
    await reader.close();
  });

  it('reads lazily: a partial read slices out only the needed bytes of the data files', async () => {
    const sliced = { bytes: 0 };
    const fsys = new BlobFileSystem(names().map((n) => pickedFile(NAME, n, sliced)));
    const reader = await CheckpointReader.open(NAME, { fs: fsys });
    const key = 'layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE';
    const before = sliced.bytes;
    await reader.getTensor(key);
    expect(sliced.bytes - before).toBe(reader.entry(key).size);
    await reader.close();
  });

  it('takes a directory handle and a drop (folders walked), and fails typed', async () => {
    const sliced = { bytes: 0 };
    const handle: DirectoryHandleLike = {
      kind: 'directory',
      name: NAME,
      async *values() {
        for (const n of names())
          yield { kind: 'file' as const, name: n, getFile: async () => pickedFile(NAME, n, sliced) };
      },
    };
    const fromHandle = await BlobFileSystem.fromDirectoryHandle(handle);
    expect(await listVariables(NAME, { fs: fromHandle })).toEqual(oracle().list_variables);

    const fileEntry = (n: string): EntryLike => ({
      isFile: true,
      isDirectory: false,
      name: n,
      file: (ok) => ok(pickedFile(NAME, n, sliced)),
    });
    let served = false;
    const folder: EntryLike = {
      isFile: false,
      isDirectory: true,
      name: NAME,
      createReader: () => ({
        readEntries: (ok) => {
          ok(served ? [] : names().map(fileEntry));
          served = true;
        },
      }),
    };
    const drop: DataTransferLike = { items: [{ kind: 'file', webkitGetAsEntry: () => folder }] };
    const fromDrop = await BlobFileSystem.fromDataTransfer(drop);
    expect(fromDrop.paths()).toEqual(
      names()
        .map((n) => `${NAME}/${n}`)
        .sort(),
    );
    expect(await listVariables(NAME, { fs: fromDrop })).toEqual(oracle().list_variables);

    await expect(listVariables('elsewhere', { fs: fromDrop })).rejects.toBeInstanceOf(NotFoundError);
    await expect(fromDrop.writeFile()).rejects.toBeInstanceOf(UnsupportedError);
    const broken = new BlobFileSystem({
      'x/ckpt.index': {
        size: 100,
        slice: () => ({ arrayBuffer: () => Promise.reject(new Error('NotReadableError')) }),
      },
    });
    await expect(listVariables('x/ckpt', { fs: broken })).rejects.toBeInstanceOf(IOError);
  });
});
