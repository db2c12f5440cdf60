/**
 * ES-module builds only: scripts/build-esm.js resolves `@tensorflow/tfjs-core` to this module for src/keras/layers, so the Keras
 * layers chunk has no static import of tfjs and the package bundles and loads without tfjs. Each export is a live
 * binding to the tfjs module the app loaded, set by bindTfjsCore() (register.esm.ts) before the layers are imported.
 * Names: the members of tfjs that src/keras/layers uses.
 */
export let Scalar: unknown;
export let Tensor: unknown;
export let Variable: unknown;
export let abs: unknown;
export let add: unknown;
export let broadcastTo: unknown;
export let dispose: unknown;
export let div: unknown;
export let dropout: unknown;
export let exp: unknown;
export let expandDims: unknown;
export let fill: unknown;
export let greater: unknown;
export let greaterEqual: unknown;
export let keep: unknown;
export let less: unknown;
export let logSumExp: unknown;
export let logicalAnd: unknown;
export let matMul: unknown;
export let maximum: unknown;
export let mul: unknown;
export let onesLike: unknown;
export let range: unknown;
export let reshape: unknown;
export let serialization: unknown;
export let softmax: unknown;
export let split: unknown;
export let sqrt: unknown;
export let sub: unknown;
export let sum: unknown;
export let tensor: unknown;
export let tidy: unknown;
export let transpose: unknown;
export let unstack: unknown;
export let where: unknown;
export let zerosLike: unknown;

export function bindTfjsCore(tf: Record<string, unknown>): void {
  Scalar = tf['Scalar'];
  Tensor = tf['Tensor'];
  Variable = tf['Variable'];
  abs = tf['abs'];
  add = tf['add'];
  broadcastTo = tf['broadcastTo'];
  dispose = tf['dispose'];
  div = tf['div'];
  dropout = tf['dropout'];
  exp = tf['exp'];
  expandDims = tf['expandDims'];
  fill = tf['fill'];
  greater = tf['greater'];
  greaterEqual = tf['greaterEqual'];
  keep = tf['keep'];
  less = tf['less'];
  logSumExp = tf['logSumExp'];
  logicalAnd = tf['logicalAnd'];
  matMul = tf['matMul'];
  maximum = tf['maximum'];
  mul = tf['mul'];
  onesLike = tf['onesLike'];
  range = tf['range'];
  reshape = tf['reshape'];
  serialization = tf['serialization'];
  softmax = tf['softmax'];
  split = tf['split'];
  sqrt = tf['sqrt'];
  sub = tf['sub'];
  sum = tf['sum'];
  tensor = tf['tensor'];
  tidy = tf['tidy'];
  transpose = tf['transpose'];
  unstack = tf['unstack'];
  where = tf['where'];
  zerosLike = tf['zerosLike'];
}
