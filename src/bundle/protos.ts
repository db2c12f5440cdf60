/**
 * Access to the generated protobuf codec (from proto/*.proto, see scripts/gen-proto.js) with 64-bit integers as
 * `Long`, and helpers that turn protobufjs failures into the package's errors.
 */
import Long from 'long';
import * as protobuf from 'protobufjs/minimal';

import { CorruptCheckpointError, type CheckpointErrorDetails } from '../errors';
import { tensorflow } from '../proto/gen/protos';

protobuf.util.Long = Long;
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
  const n = typeof v === 'number' ? v : Long.isLong(v) ? toNumberChecked(v) : null;
  return n !== null && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** A protobuf int64 as a JS number (may be negative), or null beyond ±(2^53 − 1). */
export function toSafeInt(v: Long | number | null | undefined): number | null {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : toNumberChecked(v);
  return n !== null && Number.isSafeInteger(n) ? n : null;
}

function toNumberChecked(v: Long): number | null {
  if (v.greaterThan(Number.MAX_SAFE_INTEGER) || v.lessThan(Number.MIN_SAFE_INTEGER)) return null;
  return v.toNumber();
}
