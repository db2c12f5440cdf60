/// <reference lib="dom" />
/**
 * The page the Chromium tests drive (test/browser.test.ts): an app bundled by esbuild for the browser from
 * `tfjs-checkpoint` (its browser build) and `@tensorflow/tfjs`, exposing what the tests call on `window.checks`.
 */
import * as tf from '@tensorflow/tfjs';
import {
  BlobFileSystem,
  Checkpoint,
  CheckpointError,
  CheckpointReader,
  downloadSink,
  type FileSystem,
  fromCheckpoint,
  HttpFileSystem,
  listVariables,
  saveToSink,
  toTfjsTensor,
} from 'tfjs-checkpoint';
import { kerasLayersReady, loadKerasModel } from 'tfjs-checkpoint/keras';

type Value = Awaited<ReturnType<CheckpointReader['getTensor']>>;

async function sha256(parts: Uint8Array[]): Promise<string> {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(total);
  parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** sha256 as test/helpers/values.ts computes it (strings: u64 little-endian length, then bytes). */
function tensorSha256(value: Value): Promise<string> {
  if (value.dtype === 'string') {
    const parts: Uint8Array[] = [];
    for (const s of value.data) {
      const len = new Uint8Array(8);
      new DataView(len.buffer).setBigUint64(0, BigInt(s.length), true);
      parts.push(len, s);
    }
    return sha256(parts);
  }
  const d = value.data as ArrayBufferView;
  return sha256([new Uint8Array(d.buffer, d.byteOffset, d.byteLength)]);
}

function errorOf(err: unknown): { name: string; code: string | null; message: string; isCheckpointError: boolean } {
  if (!(err instanceof Error)) return { name: typeof err, code: null, message: String(err), isCheckpointError: false };
  const { code } = err as { code?: unknown };
  return {
    name: err.constructor.name,
    code: typeof code === 'string' ? code : null,
    message: err.message,
    isCheckpointError: err instanceof CheckpointError,
  };
}

function http(base: string, options: Record<string, unknown> = {}): HttpFileSystem {
  return new HttpFileSystem(base, { retryDelayMs: 5, idleTimeoutMs: 1500, retries: 1, ...options });
}

function filesFs(): BlobFileSystem {
  const input = document.getElementById('files') as HTMLInputElement;
  return new BlobFileSystem(input.files!);
}

const checks = {
  async setBackend(name: string): Promise<string> {
    await tf.setBackend(name);
    await tf.ready();
    return tf.getBackend();
  },

  /**
   * Lists and reads every tensor (from a URL, or the files of the page's <input>), as [key, sha256]; also
   * uploads each float32/int32 tensor to the current tfjs backend and reads it back, listing any that differ.
   */
  async readAll(source: { base: string; path: string } | { files: string }): Promise<unknown> {
    const fsys: FileSystem = 'base' in source ? http(source.base) : filesFs();
    const path = 'base' in source ? source.path : source.files;
    const vars = await listVariables(path, { fs: fsys });
    const reader = await CheckpointReader.open(path, { fs: fsys });
    const keys = reader.keys();
    const values = new Array<Value>(keys.length);
    await reader.getTensors(keys, (i, v) => (values[i] = v));
    await reader.close();
    const tensors: Array<[string, string]> = [];
    const tfjsDifferent: string[] = [];
    const before = tf.memory().numTensors;
    for (let i = 0; i < keys.length; i++) {
      const v = values[i]!;
      const sha = await tensorSha256(v);
      tensors.push([keys[i]!, sha]);
      if (v.dtype === 'float32' || v.dtype === 'int32') {
        const t = toTfjsTensor(v, keys[i]);
        const back = await t.data();
        t.dispose();
        if ((await sha256([new Uint8Array(back.buffer, back.byteOffset, back.byteLength)])) !== sha)
          tfjsDifferent.push(keys[i]!);
      }
    }
    return {
      vars,
      tensors,
      tfjsDifferent,
      leaked: tf.memory().numTensors - before,
      backend: tf.getBackend(),
      stats: fsys instanceof HttpFileSystem ? fsys.stats : null,
    };
  },

  /**
   * The <input>'s files as a drop (a DataTransfer) and as a real FileSystemDirectoryHandle (the origin-private
   * file system, written first), each opened by the package: list_variables of both.
   */
  async dropAndDirectoryHandle(): Promise<{ dropped: unknown; handle: unknown }> {
    const files = Array.from((document.getElementById('files') as HTMLInputElement).files!);
    const transfer = new DataTransfer();
    for (const f of files) transfer.items.add(f);
    const dropped = await BlobFileSystem.fromDataTransfer(transfer);
    const root = await navigator.storage.getDirectory();
    await root.removeEntry('picked', { recursive: true }).catch(() => undefined);
    const dir = await root.getDirectoryHandle('picked', { create: true });
    for (const f of files) {
      const writable = await (await dir.getFileHandle(f.name, { create: true })).createWritable();
      await writable.write(f);
      await writable.close();
    }
    const fromHandle = await BlobFileSystem.fromDirectoryHandle(dir as never);
    return {
      dropped: await listVariables('cp.ckpt', { fs: dropped }),
      handle: await listVariables('picked', { fs: fromHandle }),
    };
  },

  /** Restores a model, saves it through a sink (bytes returned) and through downloadSink (the browser downloads). */
  async saveInPage(base: string, dir: string, topology: string): Promise<Record<string, number[]>> {
    const model = await tf.loadLayersModel(fromCheckpoint(`${base}/${dir}`, { topology: `${base}/${topology}` }));
    const files: Record<string, number[]> = {};
    await saveToSink(new Checkpoint({ model }), (name, bytes) => void (files[name] = [...bytes]));
    await saveToSink(new Checkpoint({ model }), downloadSink(), { prefix: 'downloaded' });
    model.dispose();
    return files;
  },

  /** tf.loadLayersModel(fromCheckpoint(...)) and its predictions for `input`. */
  async loadAndPredict(base: string, dir: string, topology: string, input: number[][]): Promise<number[][]> {
    const model = await tf.loadLayersModel(fromCheckpoint(`${base}/${dir}`, { topology: `${base}/${topology}` }));
    const out = tf.tidy(() => model.predict(tf.tensor(input)) as tf.Tensor);
    const values = (await out.array()) as number[][];
    out.dispose();
    model.dispose();
    return values;
  },

  /** A .keras archive fetched whole, built and restored by loadKerasModel, and its predictions for `input`. */
  async kerasArchive(url: string, input: number[][]): Promise<number[][]> {
    await kerasLayersReady();
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const model = await loadKerasModel(bytes);
    const out = tf.tidy(() => model.predict(tf.tensor(input)) as tf.Tensor);
    const values = (await out.array()) as number[][];
    out.dispose();
    model.dispose();
    return values;
  },

  /** Reads only `keys`; the server counts the bytes. */
  async partial(base: string, path: string, pattern: string): Promise<{ keys: string[]; needed: number }> {
    const reader = await CheckpointReader.open(path, { fs: http(base, { mergeGapBytes: 0 }) });
    const keys = reader.keys().filter((k) => new RegExp(pattern).test(k));
    await reader.getTensors(keys, () => undefined);
    const needed = keys.reduce((n, k) => n + reader.entry(k).size, 0);
    await reader.close();
    return { keys, needed };
  },

  /**
   * Builds the model of `topology`, loads good weights, then restores from a faulty server: the restore must fail
   * with a CheckpointError, change no weight and leak no tensor.
   */
  async faultRestore(
    goodBase: string,
    dir: string,
    topology: string,
    faultBase: string,
    prefix: string,
  ): Promise<unknown> {
    const model = await tf.loadLayersModel(
      fromCheckpoint(`${goodBase}/${dir}`, { topology: `${goodBase}/${topology}` }),
    );
    const weights = async (): Promise<number[][]> =>
      Promise.all(model.getWeights().map(async (w) => [...(await w.data())]));
    const before = await weights();
    const tensors = tf.memory().numTensors;
    let error = null;
    try {
      await new Checkpoint({ model }).restore(prefix, { fs: http(faultBase), verifyChecksums: false });
    } catch (err) {
      error = errorOf(err);
    }
    const unchanged = JSON.stringify(await weights()) === JSON.stringify(before);
    const leaked = tf.memory().numTensors - tensors;
    model.dispose();
    return { error, unchanged, leaked };
  },
};

(window as unknown as { checks: typeof checks }).checks = checks;
document.title = 'ready';
