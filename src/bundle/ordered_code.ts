/**
 * The part of TensorFlow's OrderedCode needed to name slices of a partitioned tensor. The key of a slice is
 *   NumIncreasing(0) · String(full tensor key) · NumIncreasing(rank) · (SignedNumIncreasing(start) ·
 *   SignedNumIncreasing(length))* with length −1 for a full extent;
 * it starts with byte 0x00, so slice keys sort right after the header key and are not valid UTF-8 in general.
 */
import { at } from '../checked';
import type { TensorSlice } from './entry';
import { keyBytes } from './key_text';

/** Big-endian bytes of a non-negative integer preceded by their count (0 → a single 0x00). */
function writeNumIncreasing(out: number[], value: number): void {
  const bytes: number[] = [];
  for (let v = BigInt(value); v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  out.push(bytes.length, ...bytes);
}

/** Bytes of a string with 0x00 → 0x00 0xff and 0xff → 0xff 0x00, then the terminator 0x00 0x01. */
function writeString(out: number[], bytes: Uint8Array): void {
  for (const b of bytes) {
    if (b === 0x00) out.push(0x00, 0xff);
    else if (b === 0xff) out.push(0xff, 0x00);
    else out.push(b);
  }
  out.push(0x00, 0x01);
}

/**
 * Order-preserving signed encoding: the count of leading 1 bits of the first byte(s), after inverting negative
 * numbers, gives the length L; the remaining 8L − L bits hold the two's-complement value.
 */
function writeSignedNumIncreasing(out: number[], value: number): void {
  const v = BigInt(value);
  const x = v < 0n ? ~v : v;
  if (x < 64n) {
    out.push((0x80 ^ Number(BigInt.asUintN(8, v))) & 0xff);
    return;
  }
  const bits = x.toString(2).length;
  const len = Math.ceil((bits + 1) / 7);
  const bytes: number[] = [];
  let u = BigInt.asUintN(8 * len, v);
  for (let i = 0; i < len; i++) {
    bytes.unshift(Number(u & 0xffn));
    u >>= 8n;
  }
  // Header: `len` one-bits from the top, spilling into the second byte for lengths 9 and 10.
  const headerBits = (1n << BigInt(len)) - 1n;
  const header = headerBits << BigInt(16 - len);
  bytes[0] = (at(bytes, 0, 'ordered code') ^ Number((header >> 8n) & 0xffn)) & 0xff;
  bytes[1] = (at(bytes, 1, 'ordered code') ^ Number(header & 0xffn)) & 0xff;
  out.push(...bytes);
}

/** The table key under which one slice of the tensor `key` is stored (TensorFlow's EncodeTensorNameSlice). */
export function encodeTensorNameSlice(key: string, slice: TensorSlice): Uint8Array {
  const out: number[] = [];
  writeNumIncreasing(out, 0);
  writeString(out, keyBytes(key));
  writeNumIncreasing(out, slice.extents.length);
  for (const { start, length } of slice.extents) {
    writeSignedNumIncreasing(out, start);
    writeSignedNumIncreasing(out, length);
  }
  return Uint8Array.from(out);
}
