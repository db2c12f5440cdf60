/** Browser builds: no native crc32c; crc32c.ts uses its portable JS implementation. */
export type Crc32cFn = (data: Uint8Array, initial: number) => number;

export function loadNodeRs(): Crc32cFn | null {
  return null;
}

export function loadAwsCrt(): Crc32cFn | null {
  return null;
}
