import { InvalidArgumentError } from '../errors';
import { NodeFileSystem } from './node';
import type { FileSystem } from './types';

let nodeFs: FileSystem | null = null;

/**
 * The file system used when a caller passes none: the local one under Node. Browser builds swap `./node` for a
 * stub, so there a call without `{ fs }` fails with this InvalidArgumentError.
 */
export function defaultFileSystem(): FileSystem {
  if (nodeFs === null) {
    // Bundlers' `process` shims have no `versions`, whatever @types/node says.
    const versions =
      typeof process === 'undefined' ? undefined : (process.versions as NodeJS.ProcessVersions | undefined);
    if (versions?.node === undefined) {
      throw new InvalidArgumentError(
        'No file system available here: pass { fs } (an HttpFileSystem, BlobFileSystem or MemoryFileSystem)',
      );
    }
    nodeFs = new NodeFileSystem();
  }
  return nodeFs;
}
