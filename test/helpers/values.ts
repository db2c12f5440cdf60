import { createHash } from 'node:crypto';

import type { TensorValue } from '../../src';

/**
 * sha256 of a tensor as the oracles compute it: the little-endian bytes numpy holds (strings: per element an
 * 8-byte little-endian length, then the bytes).
 */
export function tensorSha256(value: TensorValue): string {
  const h = createHash('sha256');
  if (value.dtype === 'string') {
    for (const s of value.data) {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(s.length));
      h.update(len);
      h.update(s);
    }
  } else {
    const d = value.data;
    h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return h.digest('hex');
}
