/**
 * The package's one error hierarchy. Every failure caused by a file, a key or an argument surfaces as a
 * `CheckpointError` (or a subclass) carrying a stable `code`, the file involved and the tensor key when there is
 * one, so callers can branch on `err.code` and people can read `err.message`.
 *
 * This module sits below every layer so that all of them can throw the same types.
 */

export type CheckpointErrorCode =
  /** A file, key or node does not exist. */
  | 'NOT_FOUND'
  /** Bytes that do not follow the format: bad magic, broken block, impossible sizes, undecodable proto. */
  | 'CORRUPT'
  /** A crc32c stored in the file does not match the bytes read. */
  | 'CHECKSUM'
  /** Something valid TensorFlow can write that this package cannot represent (variant tensors, float8, …). */
  | 'UNSUPPORTED'
  /** A checkpoint without an object graph where one is needed (TensorFlow raises ValueError). */
  | 'NOT_OBJECT_BASED'
  /** A caller's argument is unusable (wrong type, bad name, value that does not fit the requested dtype). */
  | 'INVALID_ARGUMENT'
  /** A checkpoint value whose shape or dtype does not fit the variable it should be restored into. */
  | 'MISMATCH'
  /** A load-status assertion failed (assertConsumed & co.). */
  | 'ASSERTION'
  /** The operating system refused a read or write. */
  | 'IO'
  /** A broken invariant inside this package: a bug to report, never a property of the input. */
  | 'INTERNAL';

/** Where a {@link CheckpointError} happened, and what caused it. */
export interface CheckpointErrorDetails {
  /** The file the error is about (index, data shard or state file), when there is one. */
  file?: string;
  /** The tensor key or object path the error is about, when there is one. */
  key?: string;
  /** The underlying error, if this one wraps another. */
  cause?: unknown;
}

/**
 * The base of every error this package throws for bad input or failed I/O: a stable `code`, and the `file` and `key`
 * it is about when there are ones. Subclasses name the kind (NotFoundError, ChecksumError, ...).
 */
export class CheckpointError extends Error {
  readonly code: CheckpointErrorCode;
  readonly key: string | undefined;
  #file: string | undefined;

  constructor(code: CheckpointErrorCode, message: string, details: CheckpointErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.#file = details.file;
    this.key = details.key;
  }

  /** The file the error is about, when there is one. */
  get file(): string | undefined {
    return this.#file;
  }

  /**
   * Names the file this error is about, unless it names one already: for errors thrown by code below the layer
   * that knows which file it is reading. Returns the error itself, to be rethrown.
   */
  inFile(file: string): this {
    this.#file ??= file;
    return this;
  }
}

/** A file, tensor key or object-graph node that does not exist (TensorFlow's NotFoundError). */
export class NotFoundError extends CheckpointError {
  constructor(message: string, details?: CheckpointErrorDetails) {
    super('NOT_FOUND', message, details);
  }
}

/** Bytes that are not a valid checkpoint (TensorFlow's DataLossError / "corrupted" statuses). */
export class CorruptCheckpointError extends CheckpointError {
  constructor(message: string, details?: CheckpointErrorDetails) {
    super('CORRUPT', message, details);
  }
}

/** A stored crc32c that does not match the bytes read. */
export class ChecksumError extends CheckpointError {
  constructor(message: string, details?: CheckpointErrorDetails) {
    super('CHECKSUM', message, details);
  }
}

/** A valid checkpoint feature this package does not read (variant tensors, float8/int4 dtypes, …). */
export class UnsupportedError extends CheckpointError {
  constructor(message: string, details?: CheckpointErrorDetails) {
    super('UNSUPPORTED', message, details);
  }
}

/**
 * A checkpoint without `_CHECKPOINTABLE_OBJECT_GRAPH` where an object-based (TF2) one is needed; the message is
 * TensorFlow's own ValueError text.
 */
export class NotObjectBasedError extends CheckpointError {
  constructor(message: string, details?: CheckpointErrorDetails) {
    super('NOT_OBJECT_BASED', message, details);
  }
}

/** A caller's argument that cannot be used. */
export class InvalidArgumentError extends CheckpointError {
  constructor(message: string, details?: CheckpointErrorDetails) {
    super('INVALID_ARGUMENT', message, details);
  }
}

/** A checkpoint value that does not fit the live variable (shape or dtype). */
export class MismatchError extends CheckpointError {
  constructor(message: string, details?: CheckpointErrorDetails) {
    super('MISMATCH', message, details);
  }
}

/** A failed load-status assertion. */
export class AssertionError extends CheckpointError {
  constructor(message: string, details?: CheckpointErrorDetails) {
    super('ASSERTION', message, details);
  }
}

/** The operating system refused an operation on a file. */
export class IOError extends CheckpointError {
  constructor(message: string, details?: CheckpointErrorDetails) {
    super('IO', message, details);
  }
}

/** A broken invariant inside this package (an index it proved in range, a key it just stored): a bug. */
export class InternalError extends CheckpointError {
  constructor(message: string, details?: CheckpointErrorDetails) {
    super('INTERNAL', message, details);
  }
}

/** One layer (or argument of a layer) of a Keras model that tfjs cannot represent. */
export interface UnsupportedLayer {
  /** The layer's name in the Keras model. */
  name: string;
  /** The Keras class name (`Lambda`, `MyPackage>MyLayer`, …). */
  className: string;
  /** Why it cannot be represented. */
  reason: string;
}

/**
 * A Keras model with layers or argument values tfjs cannot represent. Raised before anything is built, listing
 * every offending layer at once so that one run tells the whole story.
 */
export class UnsupportedLayerError extends CheckpointError {
  readonly layers: readonly UnsupportedLayer[];

  constructor(layers: readonly UnsupportedLayer[], details?: CheckpointErrorDetails) {
    const list = layers.map((l) => `${l.name} (${l.className}): ${l.reason}`).join('; ');
    super(
      'UNSUPPORTED',
      `tfjs cannot represent ${layers.length} layer${layers.length === 1 ? '' : 's'} of this Keras model: ${list}`,
      details,
    );
    this.layers = layers;
  }
}

/**
 * A restore that failed after it had changed variables: an in-place restore whose second pass met bytes other
 * than those its first pass verified (the file changed in between) or a read error, or any failure of a restore
 * with `atomic: false`. `code` is the cause's (CHECKSUM, IO, …); `restored` names, by checkpoint path, every
 * variable that holds new bytes, in full or in part.
 */
export class PartialRestoreError extends CheckpointError {
  readonly restored: readonly string[];

  constructor(
    code: CheckpointErrorCode,
    message: string,
    restored: readonly string[],
    details?: CheckpointErrorDetails,
  ) {
    super(code, message, details);
    this.restored = restored;
  }
}
