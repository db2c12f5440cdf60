/**
 * The result of a restore: TensorFlow's CheckpointLoadStatus assertions (same conditions, same messages) and a
 * structured report of what was and was not restored.
 */
import { AssertionError, CheckpointError } from '../errors';
import { logger } from '../logger';
import { describeLive } from '../graph';
import { restorablesOf } from '../trackable';
import { nodeText } from './pretty';
import { type RestorePlan, unboundLiveObjects } from './restore';

/** What a restore did: values restored, values left in the checkpoint, live values left without one. */
export interface RestoreReport {
  /** Checkpoint paths whose values were restored, with their keys and what received them. */
  restored: Array<{ path: string; key: string; target: string }>;
  /** Checkpoint values that found no live counterpart (e.g. optimizer state when restoring weights only). */
  unrestoredCheckpointValues: Array<{ path: string; key: string }>;
  /** Live variables that received no value (they keep what they had). */
  liveVariablesWithoutValue: Array<{ path: string; name: string }>;
  /** Attributes of bound objects that the live object cannot take. */
  unusedAttributes: Array<{ path: string; attribute: string }>;
}

/** A live object's path in messages: `(root).a.b`, as checkpoint paths are printed. */
export function livePath(names: readonly string[]): string {
  return ['(root)', ...names].join('.');
}

// The texts below are TensorFlow's own, word for word (tf-checkpoint-format.md: tools and tests match on them),
// Python's terms included.
const DELETION_HEADER =
  'Detecting that an object or model or tf.train.Checkpoint is being deleted with unrestored values. See the ' +
  'following logs for the specific values in question. To silence these warnings, use `status.expect_partial()`. ' +
  'See https://www.tensorflow.org/api_docs/python/tf/train/Checkpoint#restorefor details about the status object ' +
  'returned by the restore function.';

/**
 * The outcome of a restore, with TensorFlow's assertions on it (`assertConsumed`, `assertExistingObjectsMatched`,
 * `assertNontrivialMatch`), `expectPartial` to silence the warnings about unrestored values, and `report()`.
 */
export class LoadStatus {
  private partial = false;
  private warned = false;
  /** Per node id, 1 when a value was restored into it; made when first asked (a restore of 10^6 nodes need not). */
  private restored: Uint8Array | null = null;

  /** @internal */
  constructor(
    private readonly plan: RestorePlan,
    /** The path that was restored. */
    readonly savePath: string,
  ) {}

  private isRestored(id: number): boolean {
    if (this.restored === null) {
      this.restored = new Uint8Array(this.plan.view.numNodes);
      for (const w of this.plan.writes) this.restored[w.nodeId] = 1;
    }
    return this.restored[id] === 1;
  }

  /**
   * TensorFlow warns when the restore's bookkeeping is garbage collected; JS has no such moment, so the warnings
   * come once, right after the code that awaited the restore has run, unless expectPartial() was called by then.
   * Called as the status is handed to the caller (after files are closed, which takes event-loop turns).
   */
  scheduleWarnings(): this {
    // Nothing to warn about after expectPartial: no timer, which would hold the whole plan (every bound object)
    // until the event loop next ran timers; restores that never wait on a timer (files in memory, in a loop)
    // piled every plan up until the heap ran out.
    if (!this.partial) setTimeout(() => this.warnUnrestored(), 0);
    return this;
  }

  private name(id: number): string {
    return this.plan.names.get(id) ?? `node ${id}`;
  }

  /** Live objects holding values that no checkpoint node was bound to. */
  private unboundLiveObjects(): object[] {
    return unboundLiveObjects(this.plan).map(([obj]) => obj);
  }

  /** Fails if a bound object got no value, or a live object with values matched nothing in the checkpoint. */
  assertExistingObjectsMatched(): this {
    for (const [id, obj] of this.plan.bindings) {
      const node = this.plan.view.node(id);
      if (node.attributes.length > 0 && restorablesOf(obj) !== null && !this.isRestored(id)) {
        throw new AssertionError(`Object ${nodeText(node)} not assigned a value from checkpoint.`, {
          key: this.name(id),
        });
      }
    }
    const unused = this.unboundLiveObjects();
    if (unused.length > 0) {
      const shown = unused.slice(0, 10).map(describeLive);
      throw new AssertionError(
        `Found ${unused.length} Python objects that were not bound to checkpointed values, likely due to changes in ` +
          `the Python program. Showing ${shown.length} of ${unused.length} unmatched objects: [${shown.join(', ')}]`,
      );
    }
    return this;
  }

  /** Fails unless every checkpoint value found a home (and everything assertExistingObjectsMatched checks holds). */
  assertConsumed(): this {
    this.assertExistingObjectsMatched();
    const view = this.plan.view;
    for (let id = 0; id < view.numNodes; id++) {
      if (view.node(id).attributes.length > 0 && !this.plan.bindings.has(id)) {
        throw new AssertionError(`Unresolved object in checkpoint ${this.name(id)}: ${nodeText(view.node(id))}`, {
          key: this.name(id),
        });
      }
    }
    if (this.plan.unresolvedSlots.length > 0) {
      const slots = this.plan.unresolvedSlots.map((s) => this.name(s.slotId));
      throw new AssertionError(`Unresolved slot restorations: [${slots.join(', ')}]`);
    }
    if (this.plan.unusedAttributes.size > 0) {
      const lines = [...this.plan.unusedAttributes].map(
        ([id, attrs]) => `${this.name(id)} (${describeLive(this.plan.bindings.get(id))}): ${attrs.join(', ')}`,
      );
      throw new AssertionError(
        `Unused attributes in these objects (the attributes exist in the checkpoint but were not restored):\n${lines.join('\n')}`,
      );
    }
    return this;
  }

  /** Fails if nothing but the root matched. */
  assertNontrivialMatch(): this {
    if (this.plan.bindings.size <= 1) {
      const unused = this.unboundLiveObjects();
      if (unused.length > 0) {
        throw new AssertionError(
          'Nothing except the root object matched a checkpointed value. Typically this means that the checkpoint ' +
            'does not match the Python program. The following objects have no matching checkpointed value: ' +
            `[${unused.map(describeLive).join(', ')}]`,
        );
      }
      throw new AssertionError(
        `Nothing to load. No dependencies have been added to ${describeLive(this.plan.live.root)} yet.`,
      );
    }
    return this;
  }

  /** Silences the warnings about unrestored values (a partial restore is intended). */
  expectPartial(): this {
    this.partial = true;
    return this;
  }

  /** What was restored and what was not, as data. */
  report(): RestoreReport {
    const { view, writes, unusedAttributes } = this.plan;
    const unrestored: RestoreReport['unrestoredCheckpointValues'] = [];
    for (let id = 0; id < view.numNodes; id++) {
      if (this.isRestored(id)) continue;
      for (const a of view.node(id).attributes) unrestored.push({ path: this.name(id), key: a.checkpointKey });
    }
    return {
      restored: writes.map((w) => ({
        path: this.name(w.nodeId),
        key: w.key,
        target: describeLive(this.plan.bindings.get(w.nodeId)),
      })),
      unrestoredCheckpointValues: unrestored,
      liveVariablesWithoutValue: unboundLiveObjects(this.plan).map(([o, names]) => ({
        path: livePath(names),
        name: describeLive(o),
      })),
      unusedAttributes: [...unusedAttributes].flatMap(([id, attrs]) =>
        attrs.map((attribute) => ({ path: this.name(id), attribute })),
      ),
    };
  }

  private warnUnrestored(): void {
    if (this.partial || this.warned) return;
    this.warned = true;
    const view = this.plan.view;
    const lines: string[] = [];
    // Nodes the restore did not use are read here for the first time (attributes only, not kept), and any may be
    // corrupt. This runs in a timer, where a throw would end the process: the damage becomes a line of the warning.
    try {
      for (let id = 0; id < view.numNodes; id++) {
        if (view.peekAttributes(id).length > 0 && !this.plan.bindings.has(id)) {
          lines.push(`Value in checkpoint could not be found in the restored object: ${this.name(id)}`);
        }
      }
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      lines.push(`The rest of the checkpoint's object graph could not be read: ${err.message}`);
    }
    for (const [id, attrs] of this.plan.unusedAttributes) {
      for (const a of attrs) {
        lines.push(
          `An attribute in the restored object could not be found in the checkpoint. Object: ${this.name(id)}, attribute: ${a}`,
        );
      }
    }
    if (lines.length > 0) logger().warn([DELETION_HEADER, ...lines].join('\n'));
  }
}
