/**
 * tfjs-checkpoint: read, inspect, restore and write TensorFlow 2 checkpoints from TensorFlow.js.
 * This module is the public API and nothing else. Keras models and files are in `tfjs-checkpoint/keras`
 * (src/keras/index.ts); the slot it fills is loaded here, so Keras paths name that entry when it is missing.
 */
import { installDefaultAdapters } from './default_adapters';
import './keras/entry_slot';

// The package's one registration point for its adapters (see src/default_adapters.ts).
installDefaultAdapters();

export {
  AssertionError,
  CheckpointError,
  type CheckpointErrorCode,
  type CheckpointErrorDetails,
  ChecksumError,
  CorruptCheckpointError,
  InternalError,
  InvalidArgumentError,
  IOError,
  MismatchError,
  NotFoundError,
  NotObjectBasedError,
  PartialRestoreError,
  UnsupportedError,
  type UnsupportedLayer,
  UnsupportedLayerError,
} from './errors';
export { type Logger, setLogger } from './logger';
export {
  type ByteSource,
  type FileInfo,
  type FileSystem,
  HttpFileSystem,
  MemoryFileSystem,
  MemorySource,
  NodeFileSystem,
} from './io';
export {
  BlobFileSystem,
  type BlobFileSystemOptions,
  type BlobProgress,
  type HttpFileSystemOptions,
  type HttpProgress,
} from './io';
export type { BlobLike, DataTransferLike, DirectoryHandleLike, FileLike, PlannedRead } from './io';
export {
  type BundleHeader,
  type CheckpointState,
  crc32c,
  type Crc32cImplementation,
  crc32cImplementation,
  type DTypeInfo,
  dtypeInfo,
  type DTypeName,
  floatToHalfBits,
  maskCrc,
  type OpaqueDType,
  prepareCrc32c,
  type ReadableDType,
  type SliceExtent,
  type TensorDataByDType,
  type TensorEntry,
  type TensorSlice,
  type TensorValue,
  halfToFloat,
  unmaskCrc,
} from './bundle';
export {
  attributeKey,
  CheckpointReader,
  CheckpointView,
  type ChildEntries,
  type ChildListing,
  escapeLocalName,
  type ListingMode,
  listVariables,
  loadVariable,
  lookupDependency,
  type MatchOptions,
  OBJECT_GRAPH_PROTO_KEY,
  type ObjectGraph,
  type ObjectReference,
  type OpenOptions,
  registerTrackableAdapter,
  type RegisteredSaver,
  type SavedSlot,
  type SerializedTensor,
  type SlotVariableReference,
  type StoredValueInfo,
  StoredObjectGraph,
  type TrackableAdapter,
  trackableChildren,
  type TrackableObject,
  type TrackableProtocol,
  TrackableView,
  unescapeLocalName,
  VARIABLE_VALUE,
  openValueSource,
  registerValueSourceOpener,
  type ValueEntry,
  type ValueSource,
  type ValueSourceOpener,
  valueSourceOpenerFor,
  withValueSource,
} from './graph';
export {
  type InPlaceMemory,
  type InPlaceSupport,
  inPlaceSupport,
  isTfjsTensor,
  isTfjsVariable,
  type PreparedWrite,
  type Restorable,
  restorableAttributes,
  type TfjsTensorLike,
  loadTfjsCore,
  loadTfjsLayers,
  setTfjsCore,
  setTfjsLayers,
  type TfjsCore,
  type TfjsDType,
  tfjsDTypeOf,
  type TfjsValues,
  type TfjsVariableLike,
  toTfjsValues,
  toTfjsTensor,
} from './trackable';
export {
  Checkpoint,
  CheckpointManager,
  type CheckpointManagerOptions,
  type Comparison,
  compareWithCheckpoint,
  latestCheckpoint,
  LoadStatus,
  loadWeights,
  type RestoreMode,
  type RestoreOptions,
  type RestoreReport,
  type SaveOptions,
} from './checkpoint';
export { type KerasLayout, setOptimizerVariables } from './keras/trackables';
export {
  type CheckpointSink,
  downloadSink,
  fromCheckpoint,
  type FromCheckpointOptions,
  registerTopologyTranslator,
  saveToSink,
  type TopologySource,
  type TopologyTranslator,
} from './web';
