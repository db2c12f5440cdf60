/**
 * Access to the generated protobuf codec (from proto/*.proto, see scripts/gen-proto.js) with 64-bit integers as JS
 * numbers, and helpers that turn protobufjs failures into the package's errors.
 */
import type Long from 'long';
import * as protobuf from 'protobufjs/minimal';

import { CorruptCheckpointError, type CheckpointErrorDetails } from '../errors';
import { tensorflow } from '../proto/gen/protos';

// int64 fields decode to numbers, not long.js objects: the package takes no size or offset beyond 2^53 − 1, which
// a number still shows as unsafe (toSafeCount), and long.js would add an object per field and 3 kB to the browser
// bundle. Set here, so every build decodes alike whether or not protobufjs finds long.js.
(protobuf.util as { Long: unknown }).Long = null;
protobuf.configure();

export { tensorflow };

/** Decodes a message, reporting malformed bytes as CorruptCheckpointError (never a RangeError). */
export function decodeMessage<T>(
  decode: (bytes: Uint8Array) => T,
  bytes: Uint8Array,
  what: string,
  details: CheckpointErrorDetails,
): T {
  try {
    return decode(bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new CorruptCheckpointError(`Cannot parse ${what}: ${reason}`, { ...details, cause: err });
  }
}

/** A protobuf int64 as a JS number, or null when it is negative or beyond 2^53 − 1. */
export function toSafeCount(v: Long | number | null | undefined): number | null {
  if (v === null || v === undefined) return 0;
  const n = toNumber(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** A protobuf int64 as a JS number (may be negative), or null beyond ±(2^53 − 1). */
export function toSafeInt(v: Long | number | null | undefined): number | null {
  if (v === null || v === undefined) return 0;
  const n = toNumber(v);
  return Number.isSafeInteger(n) ? n : null;
}

/** The value as a number; beyond ±(2^53 − 1) it is rounded, and Number.isSafeInteger then refuses it. */
function toNumber(v: Long | number): number {
  return typeof v === 'number' ? v : protobuf.util.LongBits.from(v).toNumber(v.unsigned);
}
