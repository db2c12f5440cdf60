export { loadKerasWeightsFromArchive } from './archive_weights';
export { type H5Dataset, type H5Group, isHdf5, openHdf5 } from './hdf5_file';
export { containerNames, kerasLiveView, toSnakeCase } from './live_views';
export { type KerasWeightsLayout } from './weights_graph';
export { KERAS_ARCHIVE_WEIGHTS, KerasWeightsSource } from './weights_source';
