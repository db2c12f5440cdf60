import { UnsupportedError } from '../errors';

/**
 * The write half of a `FileSystem` that only reads (HTTP, browser files): every write refuses with an
 * `UnsupportedError` that says where to write instead; syncing a directory has nothing to do.
 */
export abstract class ReadOnlyFileSystem {
  /** The refusal's text: which file system, and where to write instead. */
  protected abstract readonly readOnlyMessage: string;

  private readOnly(): never {
    throw new UnsupportedError(this.readOnlyMessage);
  }
  async writeFile(): Promise<void> {
    this.readOnly();
  }
  async rename(): Promise<void> {
    this.readOnly();
  }
  async remove(): Promise<void> {
    this.readOnly();
  }
  async mkdir(): Promise<void> {
    this.readOnly();
  }
  async syncDirectory(): Promise<void> {}
}
