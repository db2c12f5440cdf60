/** Builds the live JS tree a fixture's `live` spec describes, labelling each object by its construction path. */
import * as tf from '@tensorflow/tfjs';

import type { LiveSpec } from './shared';

/** The JS counterpart of a tf.Module: a class instance whose properties are its children. */
export class Module {
  [name: string]: unknown;
}

function resolve(root: unknown, path: readonly string[]): unknown {
  let obj = root;
  for (const name of path) {
    if (obj instanceof Map) obj = obj.get(name);
    else if (Array.isArray(obj)) obj = obj[Number(name)];
    else obj = (obj as Record<string, unknown>)[name];
  }
  return obj;
}

function specPaths(spec: LiveSpec, path: string[], out: string[][]): void {
  if ('ref' in spec) return;
  out.push(path);
  if ('module' in spec) for (const [name, child] of spec.module) specPaths(child, [...path, name], out);
  else if ('dict' in spec) for (const [name, child] of spec.dict) specPaths(child, [...path, name], out);
  else if ('list' in spec) spec.list.forEach((child, i) => specPaths(child, [...path, String(i)], out));
}

export function buildLive(spec: LiveSpec): { root: object; labelOf: Map<unknown, string[]> } {
  let root: object | undefined;
  const build = (s: LiveSpec): unknown => {
    if ('ref' in s) return resolve(root, s.ref);
    if ('module' in s) {
      const m = new Module();
      root ??= m;
      for (const [name, child] of s.module) m[name] = build(child);
      return m;
    }
    if ('list' in s) return s.list.map(build);
    if ('dict' in s) return new Map(s.dict.map(([k, child]) => [k, build(child)]));
    return tf.variable(tf.tensor(s.var as number | number[], undefined, 'float32'));
  };
  build(spec);
  const labelOf = new Map<unknown, string[]>();
  const paths: string[][] = [];
  specPaths(spec, [], paths);
  for (const p of paths) {
    const obj = resolve(root, p);
    if (!labelOf.has(obj)) labelOf.set(obj, p);
  }
  return { root: root!, labelOf };
}
