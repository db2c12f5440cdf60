import type { ByteSource, FileSystem } from '../../src';

type Read = ByteSource['read'];

/**
 * `base` with every read from a data file (`*.data-*`) going through `read`, which gets the file's own read and
 * its path; the sources report `pieceSize` as their readPieceSize (so large tensors are read in pieces).
 */
export function interceptDataReads<F extends FileSystem>(
  base: F,
  read: (inner: Read, path: string, ...args: Parameters<Read>) => Promise<Uint8Array>,
  pieceSize?: number,
): F {
  const wrapped = Object.create(base) as F;
  wrapped.open = async (path: string): Promise<ByteSource> => {
    const src = await base.open(path);
    if (!path.includes('.data-')) return src;
    const inner: Read = (offset, length, target) => src.read(offset, length, target);
    return {
      name: src.name,
      size: src.size,
      readPieceSize: pieceSize,
      close: () => src.close(),
      read: (offset, length, target) => read(inner, path, offset, length, target),
    };
  };
  return wrapped;
}
