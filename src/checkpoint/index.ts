export { Checkpoint, type RestoreOptions, SaveCounter } from './checkpoint';
export { latestCheckpoint } from './latest';
export { LoadStatus, type RestoreReport } from './load_status';
export { loadWeights } from './load_weights';
export { CheckpointManager, type CheckpointManagerOptions } from './manager';
export { type SaveOptions } from './save';
export { type Comparison, compareWithCheckpoint } from './compare_with_checkpoint';
export { type RestoreMode } from './restore_in_place';
