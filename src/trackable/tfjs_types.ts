/**
 * Recognising tfjs objects without importing tfjs: the package works with whichever copy of tfjs the application
 * loaded (tfjs, tfjs-node, wasm), and several copies may coexist, so `instanceof` would be unreliable.
 */

/** The parts of a tfjs Tensor this package uses. */
export interface TfjsTensorLike {
  readonly dataId: object;
  readonly shape: number[];
  readonly dtype: string;
  readonly size: number;
  readonly isDisposed: boolean;
}

/** The parts of a tfjs Variable this package uses. */
export interface TfjsVariableLike extends TfjsTensorLike {
  readonly name: string;
  readonly trainable: boolean;
  /** Replaces the value, as tfjs's `Variable.assign`. */
  assign(value: TfjsTensorLike): void;
}

/** Whether `v` is a tfjs tensor (from any copy of tfjs: the test is structural). */
export function isTfjsTensor(v: unknown): v is TfjsTensorLike {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Partial<TfjsTensorLike>;
  return (
    typeof t.dataId === 'object' && Array.isArray(t.shape) && typeof t.dtype === 'string' && typeof t.size === 'number'
  );
}

/** Whether `v` is a tfjs Variable (structural, as {@link isTfjsTensor}). */
export function isTfjsVariable(v: unknown): v is TfjsVariableLike {
  return (
    isTfjsTensor(v) &&
    typeof (v as Partial<TfjsVariableLike>).assign === 'function' &&
    typeof (v as Partial<TfjsVariableLike>).trainable === 'boolean'
  );
}

/** A tfjs-layers LayerVariable: a layer's weight, wrapping a core Variable. */
export interface LayerVariableLike {
  readonly name: string;
  readonly originalName: string;
  /** tfjs types it as (number | null)[]; a created weight's dimensions are all known. */
  readonly shape: ReadonlyArray<number | null>;
  readonly dtype: string;
  readonly trainable: boolean;
  /** The backing core Variable (typed as a Tensor by tfjs). */
  read(): TfjsTensorLike;
  write(value: never): unknown;
}

/** A tfjs-layers Layer. */
export interface LayerLike {
  readonly name: string;
  readonly built: boolean;
  readonly weights: readonly LayerVariableLike[];
  readonly trainableWeights: readonly LayerVariableLike[];
  getClassName(): string;
}

/** A tfjs-layers LayersModel (Sequential or functional). */
export interface LayersModelLike extends LayerLike {
  readonly layers: readonly LayerLike[];
  optimizer?: unknown;
}

/** A tfjs-core Optimizer. */
export interface OptimizerLike {
  getClassName(): string;
  applyGradients(grads: unknown): void;
  getWeights(): Promise<Array<{ name: string; tensor: TfjsTensorLike }>>;
  setWeights(weights: Array<{ name: string; tensor: TfjsTensorLike }>): Promise<void>;
  readonly iterations: number;
}

function hasFunctions(v: object, names: string[]): boolean {
  return names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function');
}

export function isLayerVariable(v: unknown): v is LayerVariableLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as LayerVariableLike).originalName === 'string' &&
    hasFunctions(v, ['read', 'write']) &&
    Array.isArray((v as { shape?: unknown }).shape)
  );
}

export function isLayer(v: unknown): v is LayerLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    hasFunctions(v, ['getClassName', 'apply', 'getWeights']) &&
    typeof (v as LayerLike).name === 'string' &&
    typeof (v as LayerLike).built === 'boolean'
  );
}

export function isLayersModel(v: unknown): v is LayersModelLike {
  return isLayer(v) && Array.isArray((v as LayersModelLike).layers) && hasFunctions(v, ['predict']);
}

export function isOptimizer(v: unknown): v is OptimizerLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    hasFunctions(v, ['getClassName', 'applyGradients', 'getWeights', 'setWeights']) &&
    !isLayer(v)
  );
}
