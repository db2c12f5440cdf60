/**
 * `compareWithCheckpoint` (the CLI's `diff`): what a restore would do, without reading or changing any value —
 * which checkpoint values would go where, which would not fit (shape), which stay in the checkpoint and which live
 * variables would get nothing. The basis of troubleshooting ("why does this checkpoint not fit my model?").
 */
import { CheckpointView, describeLive, openValueSource } from '../graph';
import type { RestoreOptions } from './checkpoint';
import { restorablesOf } from '../trackable';
import { livePath } from './load_status';
import { planRestore, unboundLiveObjects } from './restore';

/** What restoring a checkpoint into a live tree would do, from {@link compareWithCheckpoint} (nothing read or changed). */
export interface Comparison {
  /** Values that would restore: checkpoint path and key, dtype/shape stored, and what receives them. */
  matched: Array<{ path: string; key: string; dtype: string; shape: number[]; target: string }>;
  /** Values that match by name but not by shape (a restore would fail on these). */
  shapeMismatches: Array<{ path: string; key: string; checkpointShape: number[]; liveShape: number[]; target: string }>;
  /** Checkpoint values with no live counterpart. */
  onlyInCheckpoint: Array<{ path: string; key: string; dtype: string; shape: number[] }>;
  /** Live values no checkpoint value would reach. */
  onlyInLive: Array<{ path: string; target: string; shape: number[] }>;
}

/**
 * Compares the checkpoint at `path` with the live tree under `root` (a Checkpoint, a model, any trackable).
 *
 * @example
 * {@includeCode ../../examples/keras_weights.ts#compareWithCheckpoint}
 */
export async function compareWithCheckpoint(
  root: object,
  path: string,
  options: RestoreOptions = {},
): Promise<Comparison> {
  const reader = await openValueSource(path, options);
  try {
    const view = await CheckpointView.fromValueSource(reader, path);
    const plan = planRestore(view, reader.liveRoot?.(root) ?? root, reader);
    const out: Comparison = { matched: [], shapeMismatches: [], onlyInCheckpoint: [], onlyInLive: [] };
    const written = new Set<number>();
    for (const w of plan.writes) {
      const e = reader.entry(w.key);
      const path = plan.names.get(w.nodeId) ?? w.key;
      const target = describeLive(plan.bindings.get(w.nodeId));
      written.add(w.nodeId);
      if (e.shape.join(',') !== w.target.shape.join(',')) {
        out.shapeMismatches.push({
          path,
          key: w.key,
          checkpointShape: [...e.shape],
          liveShape: [...w.target.shape],
          target,
        });
      } else {
        out.matched.push({ path, key: w.key, dtype: e.dtype, shape: [...e.shape], target });
      }
    }
    for (let id = 0; id < view.numNodes; id++) {
      if (written.has(id)) continue;
      // Read once, not kept decoded: every node of a 10^5-node checkpoint may pass through here.
      for (const a of view.peekAttributes(id)) {
        for (const key of reader.attributeKeys(a.checkpointKey)) {
          const e = reader.entry(key);
          out.onlyInCheckpoint.push({ path: plan.names.get(id) ?? key, key, dtype: e.dtype, shape: [...e.shape] });
        }
      }
    }
    for (const [obj, names] of unboundLiveObjects(plan)) {
      const first = restorablesOf(obj)?.values().next().value;
      out.onlyInLive.push({
        path: livePath(names),
        target: describeLive(obj),
        shape: first === undefined ? [] : [...first.shape],
      });
    }
    return out;
  } finally {
    await reader.close();
  }
}
