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
  assign(value: TfjsTensorLike): void;
}

export function isTfjsTensor(v: unknown): v is TfjsTensorLike {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Partial<TfjsTensorLike>;
  return typeof t.dataId === 'object' && Array.isArray(t.shape) && typeof t.dtype === 'string' && typeof t.size === 'number';
}

export function isTfjsVariable(v: unknown): v is TfjsVariableLike {
  return isTfjsTensor(v) && typeof (v as Partial<TfjsVariableLike>).assign === 'function' && typeof (v as Partial<TfjsVariableLike>).trainable === 'boolean';
}
