import { CorruptCheckpointError, InvalidArgumentError } from '../errors';

/**
 * Checks that [offset, offset + length) lies inside a source of `size` bytes. Done before any allocation so a
 * hostile offset or length can never make a reader allocate more than the file holds.
 */
export function checkRange(name: string, size: number, offset: number, length: number, target?: Uint8Array): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new CorruptCheckpointError(`Invalid byte range (offset ${offset}, length ${length}) in ${name}`, {
      file: name,
    });
  }
  if (offset + length > size) {
    throw new CorruptCheckpointError(
      `Truncated file: ${name} has ${size} bytes but ${length} bytes are needed at offset ${offset}`,
      { file: name },
    );
  }
  if (target !== undefined && target.length !== length) {
    throw new InvalidArgumentError(`Read target holds ${target.length} bytes, ${length} requested from ${name}`, {
      file: name,
    });
  }
}
