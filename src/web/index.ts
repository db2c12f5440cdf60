export {
  fromCheckpoint,
  type FromCheckpointOptions,
  type ModelArtifactsLike,
  registerTopologyTranslator,
  type TopologySource,
  type TopologyTranslator,
} from './from_checkpoint';
export { type CheckpointSink, downloadSink, saveToSink } from './save_sink';
