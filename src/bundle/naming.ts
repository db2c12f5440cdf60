/**
 * File names of a bundle: `PREFIX.index` and `PREFIX.data-SSSSS-of-NNNNN` (TensorFlow's naming.cc). The one
 * place these names are built and recognised.
 */

function pad(n: number): string {
  return String(n).padStart(5, '0');
}

export function indexFilename(prefix: string): string {
  return `${prefix}.index`;
}

export function dataFilename(prefix: string, shardId: number, numShards: number): string {
  return `${prefix}.data-${pad(shardId)}-of-${pad(numShards)}`;
}

/** The suffix of a bundle file name, as a regular-expression source: `index` or `data-SSSSS-of-NNNNN`. */
export const BUNDLE_FILE_SUFFIX = String.raw`(?:index|data-\d{5,}-of-\d{5,})`;

const BUNDLE_FILE = /^(.*)\.(?:index|data-(\d{5,})-of-(\d{5,}))$/s;

export type BundleFileName =
  | { readonly prefix: string; readonly kind: 'index' }
  | { readonly prefix: string; readonly kind: 'data'; readonly shardId: number; readonly numShards: number };

/** What a path names among a bundle's files, or null if it names none. */
export function parseBundleFileName(path: string): BundleFileName | null {
  const m = BUNDLE_FILE.exec(path);
  if (m === null) return null;
  const prefix = m[1] ?? '';
  if (m[2] === undefined || m[3] === undefined) return { prefix, kind: 'index' };
  return { prefix, kind: 'data', shardId: Number(m[2]), numShards: Number(m[3]) };
}

/** The prefix of a path naming one of a bundle's files, or null if it names none. */
export function prefixOfBundleFile(path: string): string | null {
  return parseBundleFileName(path)?.prefix ?? null;
}
