export type { ByteSource, FileInfo, FileSystem, PlannedRead } from './types';
export { HttpFileSystem } from './http';
export { MemoryFileSystem, MemorySource } from './memory';
export { NodeFileSource, NodeFileSystem } from './node';
export { defaultFileSystem } from './default';
export { checkRange } from './range';
export { allocateForRead } from './alloc';
