export { BundleReader, type BundleReadOptions } from './bundle_reader';
export { type CheckpointState, CHECKPOINT_STATE_FILENAME, formatCheckpointState } from './checkpoint_state';
export { crc32c, type Crc32cImplementation, crc32cImplementation, maskCrc, prepareCrc32c, unmaskCrc } from './crc32c';
export {
  type DTypeInfo,
  type DTypeName,
  dtypeInfo,
  type OpaqueDType,
  type ReadableDType,
  type TensorDataByDType,
  type TensorValue,
} from './dtypes';
export { type BundleHeader, numElements, type SliceExtent, type TensorEntry, type TensorSlice } from './entry';
export { BUNDLE_FILE_SUFFIX, type BundleFileName, dataFilename, indexFilename, parseBundleFileName } from './naming';
export { encodeTensorNameSlice } from './ordered_code';
export { latestCheckpointIn, readCheckpointState, resolveCheckpointPrefix } from './paths';
export { floatToBfloat16Bits, floatToHalfBits, halfToFloat } from './float_bits';
export {
  type BundleEncodeOptions,
  bundleFiles,
  encodeBundle,
  type EncodedBundle,
  type TensorToWrite,
} from './bundle_encoder';
export { assertStoredCrc, PieceBuffers, readEntryInto, verifyEntry } from './piece_reads';
