/**
 * The JSON shapes Keras writes for a model (`model.to_json()`, a `.keras` archive's config.json, tf.keras 2's
 * to_json) and tfjs's model.json, and how to tell them apart.
 */
import type { KerasGeneration } from './activations';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A serialized Keras object: `{class_name, config}`, with `module` and `registered_name` in Keras 3. */
export interface KerasObject {
  class_name: string;
  /** Absent from some hand-written and older configs. */
  config?: JsonObject;
  module?: string | null;
  registered_name?: string | null;
  build_config?: JsonObject | null;
  name?: string;
  inbound_nodes?: Json[];
  [key: string]: Json | undefined;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isKerasObject(v: unknown): v is KerasObject {
  return isObject(v) && typeof v['class_name'] === 'string' && (v['config'] === undefined || isObject(v['config']));
}

/** The entries of a config list (`layers`) that are Keras objects. */
export function kerasObjects(v: unknown): KerasObject[] {
  return Array.isArray(v) ? (v as unknown[]).filter((x): x is KerasObject => isKerasObject(x)) : [];
}

/** A reference to a tensor in a Keras 3 inbound node: `{class_name: '__keras_tensor__', config: {keras_history}}`. */
export interface KerasTensorRef {
  layer: string;
  node: number;
  tensor: number;
}

export function asKerasTensor(v: unknown): KerasTensorRef | null {
  if (!isObject(v) || v['class_name'] !== '__keras_tensor__' || !isObject(v['config'])) return null;
  const h = v['config']['keras_history'];
  if (!Array.isArray(h) || typeof h[0] !== 'string') return null;
  return { layer: h[0], node: Number(h[1] ?? 0), tensor: Number(h[2] ?? 0) };
}

/** Which Keras wrote a model config: Keras 3 marks every object with `module` and nodes as `{args, kwargs}`. */
export function kerasGeneration(model: KerasObject): KerasGeneration {
  if ('module' in model) return 'keras3';
  const layers = model.config?.['layers'];
  if (Array.isArray(layers)) {
    for (const l of layers) {
      if (!isObject(l)) continue;
      if ('module' in l) return 'keras3';
      const cfg = l['config'];
      if (isObject(cfg) && ('batch_shape' in cfg || isObject(cfg['dtype']))) return 'keras3';
      const nodes = l['inbound_nodes'];
      if (Array.isArray(nodes) && nodes.some((n) => isObject(n))) return 'keras3';
    }
  }
  return 'keras2';
}
