/** File names of a bundle: `PREFIX.index` and `PREFIX.data-SSSSS-of-NNNNN` (TensorFlow's naming.cc). */

export function indexFilename(prefix: string): string {
  return `${prefix}.index`;
}

export function dataFilename(prefix: string, shardId: number, numShards: number): string {
  const pad = (n: number): string => String(n).padStart(5, '0');
  return `${prefix}.data-${pad(shardId)}-of-${pad(numShards)}`;
}

/** The prefix of a path naming one of a bundle's files, or null if it names none. */
export function prefixOfBundleFile(path: string): string | null {
  const m = /^(.*)\.(?:index|data-\d{5,}-of-\d{5,})$/s.exec(path);
  return m?.[1] ?? null;
}
