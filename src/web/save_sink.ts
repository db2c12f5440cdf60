/**
 * Saving where there is no file system (a browser): the checkpoint is written to memory, then each file goes to a
 * sink — an upload, IndexedDB, or the user's downloads folder (`downloadSink`).
 */
import type { Checkpoint, SaveOptions } from '../checkpoint';
import { UnsupportedError } from '../errors';
import { MemoryFileSystem } from '../io';

/** Receives each file of a saved checkpoint, by file name (`ckpt.index`, `ckpt.data-00000-of-00001`, `checkpoint`). */
export type CheckpointSink = (name: string, bytes: Uint8Array) => void | Promise<void>;

/**
 * Writes `checkpoint` as `prefix` (TF's `write()`), with a `checkpoint` state file naming it so TensorFlow can
 * open the folder the files land in, and hands every file to `sink`. Returns the file names, in the order given.
 *
 * @example
 * {@includeCode ../../examples/browser_files.ts#saveToSink}
 */
export async function saveToSink(
  checkpoint: Checkpoint,
  sink: CheckpointSink,
  options: SaveOptions & { prefix?: string } = {},
): Promise<string[]> {
  const prefix = options.prefix ?? 'ckpt';
  const memory = new MemoryFileSystem();
  await checkpoint.write(prefix, { ...options, fs: memory });
  const state = `model_checkpoint_path: ${JSON.stringify(prefix)}\nall_model_checkpoint_paths: ${JSON.stringify(prefix)}\n`;
  await memory.writeFile('checkpoint', new TextEncoder().encode(state));
  const files = [...memory.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, bytes] of files) await sink(name, bytes);
  return files.map(([name]) => name);
}

/** A sink that saves each file to the user's downloads (a browser's `<a download>`). */
export function downloadSink(): CheckpointSink {
  const doc = (
    globalThis as { document?: { createElement(tag: string): { href: string; download: string; click(): void } } }
  ).document;
  const urls = (globalThis as { URL: { createObjectURL?(b: Blob): string; revokeObjectURL?(u: string): void } }).URL;
  const createObjectURL = urls.createObjectURL?.bind(urls);
  if (doc === undefined || createObjectURL === undefined)
    throw new UnsupportedError('downloadSink needs a browser page (document and URL.createObjectURL)');
  return (name, bytes) => {
    const url = createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    const a = doc.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => urls.revokeObjectURL?.(url), 10_000);
  };
}
