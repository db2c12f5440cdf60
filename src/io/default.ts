import { InvalidArgumentError } from '../errors';
import type { FileSystem } from './types';

let nodeFs: FileSystem | null = null;

/**
 * The file system used when a caller passes none: the local one under Node. Loaded lazily so that bundlers for
 * browsers can drop `node:fs`; in a browser pass `{ fs }` (e.g. a MemoryFileSystem) explicitly.
 */
export function defaultFileSystem(): FileSystem {
  if (nodeFs === null) {
    if (typeof process === 'undefined' || !process.versions?.node) {
      throw new InvalidArgumentError('No file system available here: pass { fs } (e.g. a MemoryFileSystem)');
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { NodeFileSystem } = require('./node') as typeof import('./node');
    nodeFs = new NodeFileSystem();
  }
  return nodeFs;
}
