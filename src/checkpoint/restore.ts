/**
 * Restoring a checkpoint into live objects, following TensorFlow's object-based restore. Planning is a pipeline of
 * small steps, in the manner of TensorFlow's save_util:
 *  1. bindObjects: bind checkpoint nodes to live objects breadth first by child name (the match of
 *     CheckpointView.match, with TF's restore-time warning on inconsistent references), letting each object's
 *     adapter resolve names, read conventions off its node and refuse when not ready;
 *  2. bindSlots: bind optimizer slot variables through the optimizer nodes' `slot_variables`;
 *  3. pairValues: pair each bound node's attributes with the live object's restorable values.
 * Executing it:
 *  4. read every paired tensor (checksummed), validate shape and dtype and convert — nothing has changed yet, and
 *     any failure abandons the restore with every variable as it was;
 *  5. assign everything, then let the finalizers (optimizers taking their staged slots) run.
 * Framework knowledge reaches this file only through the adapter hooks (TrackableAdapter).
 */
import type { TensorValue } from '../bundle';
import { at } from '../checked';
import { InvalidArgumentError } from '../errors';
import {
  CheckpointReader,
  type CheckpointView,
  describeLive,
  matchBreadthFirst,
  type NodeBindings,
  RESTORE_LISTING,
  TrackableView,
  type ValueSource,
} from '../graph';
import { logger } from '../logger';
import { type Finalizer, type PreparedWrite, type Restorable, restorablesOf, tryLoadTfjsCore } from '../trackable';
import { prepareWrite } from './prepare_write';
import { type NodeNames, prettyNodeNames } from './pretty';
import { restoreInPlace, type RestoreMode } from './restore_in_place';

export interface PlannedWrite {
  nodeId: number;
  attribute: string;
  key: string;
  target: Restorable;
}

/** A slot reference whose optimizer is bound but whose variable, or live slot, is not. */
export interface UnresolvedSlot {
  optimizerId: number;
  variableId: number;
  slotName: string;
  slotId: number;
}

export interface RestorePlan {
  view: CheckpointView;
  live: TrackableView;
  /** Checkpoint node id → live object, in binding order. */
  bindings: NodeBindings;
  writes: PlannedWrite[];
  /** Bound nodes whose attributes have no counterpart in the live object. */
  unusedAttributes: Map<number, string[]>;
  unresolvedSlots: UnresolvedSlot[];
  /** Names of nodes for messages, built when asked. */
  names: NodeNames;
}

function warnInconsistent(a: object, b: object): void {
  logger().warn(
    'Inconsistent references when loading the checkpoint into this object graph. For example, in the saved ' +
      'checkpoint object, `model.layer.weight` and `model.layer_copy.weight` reference the same variable, while in ' +
      'the current object these are two different variables. The referenced variables are:' +
      `(${describeLive(a)} and ${describeLive(b)}).`,
  );
}

/**
 * Step 1: node id → live object, breadth first. Each bound object's adapter hears of its node (bind) and may
 * refuse it while it cannot take values (unready: a layer not built), which fails the restore before anything is
 * read.
 */
function bindObjects(view: CheckpointView, root: object, live: TrackableView): NodeBindings {
  return matchBreadthFirst(view, root, live, warnInconsistent, (id, obj, checkpointChildren, adapter) => {
    if (adapter === undefined) return;
    adapter.bind?.(obj, checkpointChildren());
    const why = adapter.unready?.(obj) ?? null;
    if (why !== null && subtreeHasValues(view, id)) {
      const path = prettyNodeNames(view).get(id) ?? `node ${id}`;
      throw new InvalidArgumentError(`Cannot restore ${path} into ${why}`, { key: path });
    }
  });
}

/** Step 2: binds each slot variable node through its optimizer's adapter; returns the references left unbound. */
function bindSlots(view: CheckpointView, live: TrackableView, bindings: NodeBindings): UnresolvedSlot[] {
  const unresolved: UnresolvedSlot[] = [];
  for (const [optimizerId, ref] of view.slotVariables()) {
    const optimizer = bindings.get(optimizerId);
    if (optimizer === undefined) continue;
    const variable = bindings.get(ref.originalVariableNodeId);
    const slot =
      variable === undefined ? null : (live.adapterOf(optimizer)?.slotFor?.(optimizer, ref.slotName, variable) ?? null);
    const bound = bindings.get(ref.slotVariableNodeId);
    if (slot !== null && bound === undefined) bindings.set(ref.slotVariableNodeId, slot);
    else if (slot !== null && bound !== slot) warnInconsistent(bound as object, slot);
    else if (slot === null) {
      unresolved.push({
        optimizerId,
        variableId: ref.originalVariableNodeId,
        slotName: ref.slotName,
        slotId: ref.slotVariableNodeId,
      });
    }
  }
  return unresolved;
}

/** Step 3: each bound node's attributes paired with its object's restorable values; the rest are unused. */
function pairValues(
  view: CheckpointView,
  bindings: ReadonlyMap<number, object>,
  reader: ValueSource,
): Pick<RestorePlan, 'writes' | 'unusedAttributes'> {
  const writes: PlannedWrite[] = [];
  const unusedAttributes = new Map<number, string[]>();
  // forEach, not for-of: no [id, object] pair per binding.
  bindings.forEach((obj, id) => {
    // Leaves are decoded for this one look at their attributes, not kept; nor are a node's children decoded.
    const attributes = view.peekAttributes(id);
    if (attributes.length === 0) return;
    const targets = restorablesOf(obj);
    for (const a of attributes) {
      const target = targets?.get(a.name);
      if (target && reader.has(a.checkpointKey))
        writes.push({ nodeId: id, attribute: a.name, key: a.checkpointKey, target });
      else {
        // Appended in place: copying the list per attribute made 80,000 attributes on one node take minutes.
        let unused = unusedAttributes.get(id);
        if (unused === undefined) unusedAttributes.set(id, (unused = []));
        unused.push(a.name);
      }
    }
  });
  return { writes, unusedAttributes };
}

/** Steps 1 to 3: which live object each checkpoint node is, and which values go where. */
export function planRestore(view: CheckpointView, root: object, reader: ValueSource): RestorePlan {
  const live = new TrackableView(root, RESTORE_LISTING);
  const bindings = bindObjects(view, root, live);
  const unresolvedSlots = bindSlots(view, live, bindings);
  const { writes, unusedAttributes } = pairValues(view, bindings, reader);
  return { view, live, bindings, writes, unusedAttributes, unresolvedSlots, names: prettyNodeNames(view) };
}

/**
 * Live objects under the root that hold values a checkpoint must provide and that no checkpoint node was bound
 * to, each with the edge names of its first path (TensorFlow's "objects not bound to checkpointed values").
 */
export function unboundLiveObjects(plan: RestorePlan): Array<[object, string[]]> {
  const bound = new Set(plan.bindings.values());
  const unbound = (obj: object): boolean => {
    if (bound.has(obj)) return false;
    const values = restorablesOf(obj);
    return values !== null && ![...values.values()].every((r) => r.optional?.() === true);
  };
  // Paths only when some object is unbound: building one per live object cost an array each (10^6 of them).
  if (!plan.live.descendants().some(unbound)) return [];
  return plan.live.descendantsWithPaths().filter(([obj]) => unbound(obj));
}

function subtreeHasValues(view: CheckpointView, id: number): boolean {
  const node = view.node(id);
  if (node.hasCheckpointValues !== null) return node.hasCheckpointValues;
  const seen = new Set<number>();
  const stack = [id];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const n = view.node(top);
    if (n.attributes.length > 0 || n.slotVariables.length > 0) return true;
    for (const c of n.children) {
      if (seen.has(c.nodeId)) continue;
      seen.add(c.nodeId);
      stack.push(c.nodeId);
    }
  }
  return false;
}

/** Fails, naming the first, when a planned target can no longer take a value (a disposed layer or variable). */
function requireUsableTargets(plan: RestorePlan): void {
  for (const w of plan.writes) {
    const why = w.target.unusable?.() ?? null;
    if (why === null) continue;
    const path = plan.names.get(w.nodeId) ?? w.key;
    throw new InvalidArgumentError(
      `Cannot restore ${path} into ${describeLive(plan.bindings.get(w.nodeId))}: ${why}. Nothing was restored.`,
      { key: w.key },
    );
  }
}

/**
 * Reports the bytes read after write `i`'s value is read. Sizes are looked up only when someone listens: looking
 * up every entry once more cost a hash per value of a 10^6-value restore.
 */
function progressReporter(
  plan: RestorePlan,
  reader: ValueSource,
  onProgress: ((doneBytes: number, totalBytes: number) => void) | undefined,
): (i: number) => void {
  if (onProgress === undefined) return () => undefined;
  const sizes = plan.writes.map((w) => reader.entry(w.key).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  let done = 0;
  return (i) => {
    done += at(sizes, i, 'sizes');
    onProgress(done, total);
  };
}

/** At most this many tensors are read at once, so a restore neither serialises on I/O nor floods it. */
const READ_CONCURRENCY = 16;

/** Steps 4 and 5. Either every planned value is assigned, or none is and the error is rethrown. */
export async function executeRestore(
  plan: RestorePlan,
  reader: ValueSource,
  onProgress?: (doneBytes: number, totalBytes: number) => void,
  mode: RestoreMode = {},
): Promise<void> {
  // Loads tfjs where only import() can (ES modules); values that need no tfjs still restore without it.
  if (plan.writes.length > 0) await tryLoadTfjsCore();
  requireUsableTargets(plan);
  // Values that can be overwritten where they live are (restore_in_place.ts); this is the path for the rest, and
  // for every value of files that are not tensor bundles (their values are already in memory).
  if (reader instanceof CheckpointReader && (await restoreInPlace(plan, reader, mode, onProgress))) return;
  const prepared = new Array<PreparedWrite | undefined>(plan.writes.length);
  const progress = progressReporter(plan, reader, onProgress);
  const prepare = (i: number, value: TensorValue): void => {
    prepared[i] = prepareWrite(plan, i, value);
    progress(i);
  };
  try {
    await reader.getTensors(
      plan.writes.map((w) => w.key),
      prepare,
      READ_CONCURRENCY,
    );
  } catch (err) {
    for (const p of prepared) p?.discard();
    throw err;
  }
  // Targets may have been disposed while the values were read; nothing is assigned unless every one is usable.
  try {
    requireUsableTargets(plan);
  } catch (err) {
    for (const p of prepared) p?.discard();
    throw err;
  }
  const finalizers = new Set<Finalizer>();
  for (const p of prepared) {
    if (p === undefined) continue;
    p.commit();
    if (p.after) finalizers.add(p.after);
  }
  for (const f of finalizers) await f.finalize();
}
