/**
 * tfjs-checkpoint: read, inspect, restore and write TensorFlow 2 checkpoints from TensorFlow.js.
 * This module is the public API and nothing else.
 */
export {
  AssertionError,
  CheckpointError,
  type CheckpointErrorCode,
  type CheckpointErrorDetails,
  ChecksumError,
  CorruptCheckpointError,
  InvalidArgumentError,
  IOError,
  MismatchError,
  NotFoundError,
  NotObjectBasedError,
  UnsupportedError,
} from './errors';
export { type Logger, setLogger } from './logger';
export { type ByteSource, type FileInfo, type FileSystem, MemoryFileSystem, MemorySource, NodeFileSystem } from './io';
export {
  type BundleHeader,
  type CheckpointState,
  crc32c,
  crc32cImplementation,
  type DTypeName,
  maskCrc,
  type OpaqueDType,
  type ReadableDType,
  type SliceExtent,
  type TensorDataByDType,
  type TensorEntry,
  type TensorSlice,
  type TensorValue,
  halfToFloat,
  type TfjsDType,
  tfjsDTypeOf,
  type TfjsValues,
  toTfjsValues,
  unmaskCrc,
} from './bundle';
export {
  attributeKey,
  CheckpointReader,
  CheckpointView,
  type ChildEntries,
  escapeLocalName,
  listVariables,
  loadVariable,
  type MatchOptions,
  OBJECT_GRAPH_PROTO_KEY,
  type ObjectGraph,
  type ObjectReference,
  type OpenOptions,
  registerTrackableAdapter,
  type RegisteredSaver,
  type SerializedTensor,
  type SlotVariableReference,
  type TrackableAdapter,
  trackableChildren,
  type TrackableObject,
  type TrackableProtocol,
  TrackableView,
  unescapeLocalName,
} from './graph';
export {
  isTfjsTensor,
  isTfjsVariable,
  type PreparedWrite,
  type Restorable,
  restorableAttributes,
  setOptimizerVariables,
  type TfjsTensorLike,
  type TfjsVariableLike,
  toTfjsTensor,
} from './trackable';
export { Checkpoint, latestCheckpoint, LoadStatus, loadWeights, type RestoreOptions, type RestoreReport } from './checkpoint';
