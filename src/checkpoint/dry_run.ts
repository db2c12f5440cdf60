/**
 * What a restore would do, without reading or changing any value: which checkpoint values would go where, which
 * would not fit (shape), which stay in the checkpoint and which live variables would get nothing. The basis of
 * `tfjs-checkpoint diff` and of troubleshooting ("why does this checkpoint not fit my model?").
 */
import { CheckpointView, openValueSource } from '../graph';
import { restorablesOf } from '../trackable';
import { describeLive } from './pretty';
import type { RestoreOptions } from './checkpoint';
import { planRestore } from './restore';
import { NotObjectBasedError } from '../errors';

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

/** Compares the checkpoint at `path` with the live tree under `root` (a Checkpoint, a model, any trackable). */
export async function compareWithCheckpoint(root: object, path: string, options: RestoreOptions = {}): Promise<Comparison> {
  const reader = await openValueSource(path, options);
  try {
    const graph = await reader.objectGraph();
    if (graph === null) {
      throw new NotObjectBasedError(`The checkpoint at ${path} has no object graph (TF1 name-based); there is nothing to match by structure.`, { file: reader.prefix });
    }
    const plan = planRestore(CheckpointView.fromObjectGraph(graph), reader.liveRoot?.(root) ?? root, reader);
    const out: Comparison = { matched: [], shapeMismatches: [], onlyInCheckpoint: [], onlyInLive: [] };
    const written = new Set<number>();
    for (const w of plan.writes) {
      const e = reader.entry(w.key);
      const path = plan.names.get(w.nodeId) ?? w.key;
      const target = describeLive(plan.bindings.get(w.nodeId));
      written.add(w.nodeId);
      if (e.shape.join(',') !== w.target.shape.join(',')) {
        out.shapeMismatches.push({ path, key: w.key, checkpointShape: [...e.shape], liveShape: [...w.target.shape], target });
      } else {
        out.matched.push({ path, key: w.key, dtype: e.dtype, shape: [...e.shape], target });
      }
    }
    graph.nodes.forEach((node, id) => {
      if (written.has(id)) return;
      for (const a of node.attributes) {
        for (const key of reader.attributeKeys(a.checkpointKey)) {
          const e = reader.entry(key);
          out.onlyInCheckpoint.push({ path: plan.names.get(id) ?? key, key, dtype: e.dtype, shape: [...e.shape] });
        }
      }
    });
    const bound = new Set(plan.bindings.values());
    for (const [obj, names] of plan.live.descendantsWithPaths()) {
      const values = restorablesOf(obj);
      if (values === null || bound.has(obj) || [...values.values()].every((r) => r.optional?.() === true)) continue;
      const [first] = values.values();
      out.onlyInLive.push({ path: ['(root)', ...names].join('.'), target: describeLive(obj), shape: first === undefined ? [] : [...first.shape] });
    }
    return out;
  } finally {
    await reader.close();
  }
}
