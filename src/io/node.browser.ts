/**
 * Browser builds replace io/node.ts with this module, so bundles never see `node:fs`. The names stay exported so
 * one API (and one set of type declarations) serves both; using them in a browser fails with a typed error.
 */
import { UnsupportedError } from '../errors';

function unavailable(): never {
  throw new UnsupportedError(
    'NodeFileSystem needs Node.js; in a browser read checkpoints with HttpFileSystem (URLs) or BlobFileSystem (files)',
  );
}

// eslint-disable-next-line @typescript-eslint/no-extraneous-class -- stands in for the Node class of this name
export class NodeFileSource {
  static async open(): Promise<never> {
    unavailable();
  }
}

// eslint-disable-next-line @typescript-eslint/no-extraneous-class -- stands in for the Node class of this name
export class NodeFileSystem {
  constructor() {
    unavailable();
  }
}
