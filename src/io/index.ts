export type { ByteSource, FileInfo, FileSystem, PlannedRead } from './types';
export { HttpFileSystem, type HttpFileSystemOptions, type HttpOptions, type HttpProgress } from './http';
export {
  type BlobFileSystemOptions,
  BlobFileSystem,
  type BlobLike,
  type BlobProgress,
  type DataTransferLike,
  type DirectoryHandleLike,
  type FileLike,
} from './blob';
export { MemoryFileSystem, MemorySource } from './memory';
export { NodeFileSource, NodeFileSystem } from './node';
export { defaultFileSystem } from './default';
export { checkRange } from './range';
export { allocateForRead } from './alloc';
export { currentProcessId, processAlive } from './process';
