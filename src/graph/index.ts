export { CheckpointReader, listVariables, loadVariable, type OpenOptions } from './checkpoint_reader';
export {
  CheckpointView,
  type MatchOptions,
  matchBreadthFirst,
  PATH_EDGES_SHOWN,
  SpanningTree,
} from './checkpoint_view';
export type { ChildList } from './children_by_name';
export * from './keys';
export { NodeBindings } from './node_bindings';
export {
  decodeObjectGraph,
  encodeObjectGraph,
  OBJECT_GRAPH_PROTO_KEY,
  type ObjectGraph,
  type ObjectReference,
  type RegisteredSaver,
  type SerializedTensor,
  type SlotVariableReference,
  StoredObjectGraph,
  type TrackableObject,
} from './object_graph';
export {
  adapterFor,
  type ChildEntries,
  type ChildListing,
  describeLive,
  type ListingMode,
  registerTrackableAdapter,
  RESTORE_LISTING,
  type SavedSlot,
  type SaveLayout,
  type SaveLayouts,
  type StoredValueInfo,
  trackTogether,
  type TrackableAdapter,
  lookupDependency,
  NO_CHILDREN,
  trackableChildren,
  type TrackableProtocol,
  TrackableView,
  VIEW_LISTING,
} from './live_objects';
export {
  openValueSource,
  registerValueSourceOpener,
  type ValueEntry,
  type ValueSource,
  type ValueSourceOpener,
  valueSourceOpenerFor,
  withValueSource,
} from './value_source';
