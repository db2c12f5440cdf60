/**
 * Restoring a checkpoint into live objects, following TensorFlow's object-based restore:
 *  1. bind checkpoint nodes to live objects breadth first by child name (as CheckpointView.match, with TF's
 *     restore-time warning on inconsistent references), then bind optimizer slot variables through the optimizer
 *     nodes' `slot_variables`;
 *  2. pair each bound node's attributes with the live object's restorable values;
 *  3. read every paired tensor (checksummed), validate shape and dtype and convert — nothing has changed yet, and
 *     any failure abandons the restore with every variable as it was;
 *  4. assign everything, then let optimizers take their staged slots.
 */
import type { TensorValue } from '../bundle';
import { at, present } from '../checked';
import { InvalidArgumentError } from '../errors';
import { CheckpointReader, type CheckpointView, TrackableView, type ValueSource } from '../graph';
import { logger } from '../logger';
import {
  type Finalizer,
  isLayer,
  isLayersModel,
  isOptimizer,
  kerasLayerNameResolver,
  optimizerState,
  type PreparedWrite,
  type Restorable,
  restorablesOf,
  tryLoadTfjsCore,
} from '../trackable';
import { prepareWrite } from './prepare_write';
import { describeLive, type NodeNames, prettyNodeNames } from './pretty';
import { restoreInPlace, type RestoreMode } from './restore_in_place';

export interface PlannedWrite {
  nodeId: number;
  attribute: string;
  key: string;
  target: Restorable;
}

export interface RestorePlan {
  view: CheckpointView;
  live: TrackableView;
  /** Checkpoint node id → live object, in binding order. */
  bindings: Map<number, object>;
  writes: PlannedWrite[];
  /** Bound nodes whose attributes have no counterpart in the live object. */
  unusedAttributes: Map<number, string[]>;
  /** Slot references whose optimizer is bound but whose variable, or tfjs slot, is not. */
  unresolvedSlots: Array<{ optimizerId: number; variableId: number; slotName: string; slotId: number }>;
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

/** Steps 1 and 2: which live object each checkpoint node is, and which values go where. */
export function planRestore(view: CheckpointView, root: object, reader: ValueSource): RestorePlan {
  const live = new TrackableView(root);
  const bindings = new Map<number, object>([[0, root]]);
  const bind = (id: number, obj: object): boolean => {
    const current = bindings.get(id);
    if (current === undefined) {
      bindings.set(id, obj);
      return true;
    }
    if (current !== obj) warnInconsistent(current, obj);
    return false;
  };
  const queue: Array<[number, object]> = [[0, root]];
  const visited = new Set<number>();
  for (let head = 0; head < queue.length; head++) {
    const [id, obj] = at(queue, head, 'binding queue');
    // Leaves (most nodes: the variables) have nothing to bind; their live children are not even listed.
    if (view.node(id).children.length === 0) {
      visited.add(id);
      continue;
    }
    const ckptChildren = view.children(id);
    const children = live.children(obj);
    const lookup = isLayersModel(obj) ? kerasLayerNameResolver(obj, ckptChildren) : (name: string) => children.get(name);
    for (const [name, childId] of ckptChildren) {
      if (visited.has(childId) || childId === 0) continue;
      const child = lookup(name) as object | undefined;
      if (child !== undefined && bind(childId, child)) queue.push([childId, child]);
    }
    visited.add(id);
  }

  for (const [id, obj] of bindings) {
    // Keras checkpoints its iteration count; TF1 optimizers do not, and their momentum slot means what tfjs's does.
    if (isOptimizer(obj)) optimizerState(obj).kerasMomentum = view.children(id).has('iter') || view.children(id).has('_iterations');
  }

  const unresolvedSlots: RestorePlan['unresolvedSlots'] = [];
  for (const [optimizerId, ref] of view.slotVariables()) {
    const optimizer = bindings.get(optimizerId);
    if (optimizer === undefined) continue;
    const variable = bindings.get(ref.originalVariableNodeId);
    const slot = variable && isOptimizer(optimizer) ? optimizerState(optimizer).slotFor(ref.slotName, variable as never) : null;
    if (slot) bind(ref.slotVariableNodeId, slot);
    else unresolvedSlots.push({ optimizerId, variableId: ref.originalVariableNodeId, slotName: ref.slotName, slotId: ref.slotVariableNodeId });
  }

  const names = prettyNodeNames(view);
  const writes: PlannedWrite[] = [];
  const unusedAttributes = new Map<number, string[]>();
  for (const [id, obj] of bindings) {
    const node = view.node(id);
    // tfjs leaves `built` false on some layers that have weights (Bidirectional's halves): weights are what count.
    if (isLayer(obj) && !obj.built && obj.weights.length === 0 && subtreeHasValues(view, id)) {
      throw new InvalidArgumentError(
        `Cannot restore ${names.get(id) ?? `node ${id}`} into layer ${obj.name}: the layer has no weights yet (it is ` +
          'not built). Build the model first — give its first layer an inputShape, call model.build(), or run it ' +
          'once — then restore.',
        { key: names.get(id) },
      );
    }
    if (node.attributes.length === 0) continue;
    const targets = restorablesOf(obj);
    for (const a of node.attributes) {
      const target = targets?.get(a.name);
      if (target && reader.has(a.checkpointKey)) writes.push({ nodeId: id, attribute: a.name, key: a.checkpointKey, target });
      else {
        // Appended in place: copying the list per attribute made 80,000 attributes on one node take minutes.
        let unused = unusedAttributes.get(id);
        if (unused === undefined) unusedAttributes.set(id, (unused = []));
        unused.push(a.name);
      }
    }
  }
  return { view, live, bindings, writes, unusedAttributes, unresolvedSlots, names };
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
    throw new InvalidArgumentError(`Cannot restore ${path} into ${describeLive(plan.bindings.get(w.nodeId))}: ${why}. Nothing was restored.`, { key: w.key });
  }
}

/** At most this many tensors are read at once, so a restore neither serialises on I/O nor floods it. */
const READ_CONCURRENCY = 16;

/** Steps 3 and 4. Either every planned value is assigned, or none is and the error is rethrown. */
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
  const sizes = plan.writes.map((w) => reader.entry(w.key).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  let done = 0;
  const prepare = (i: number, value: TensorValue): void => {
    prepared[i] = prepareWrite(plan, i, value);
    done += at(sizes, i, 'sizes');
    onProgress?.(done, total);
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
  // getTensors resolved, so every write was prepared; checked before the first commit, to stay all or nothing.
  const ready = prepared.map((p, i) => present(p, `prepared write ${i}`));
  for (const p of ready) {
    p.commit();
    if (p.after) finalizers.add(p.after);
  }
  for (const f of finalizers) await f.finalize();
}
