/**
 * What a checkpoint attribute (`VARIABLE_VALUE`, …) can be restored into: tfjs Variables, tfjs-layers weights and
 * the package's own state holders (optimizer iterations, save counters). Restoring is two-phase so a failure can
 * leave everything unchanged: `prepare` validates and converts without side effects, `commit` assigns.
 */
import type * as tfc from '@tensorflow/tfjs-core';

import type { TensorValue } from '../bundle';
import { type TfjsDType, tfjsDTypeOf } from './tfjs_conversion';
import { MismatchError } from '../errors';
import { OBJECT_CONFIG_JSON, VARIABLE_VALUE } from '../graph';
import { type InPlaceSupport, inPlaceSupport } from './in_place_target';
import { toTfjsTensor } from './tfjs_tensor';
import { isLayer, isLayerVariable, isOptimizer, isTfjsVariable, type TfjsVariableLike } from './tfjs_types';
import { tfjsCore } from './tfjs_module';

/**
 * Define `[restorableAttributes]()` to make an object's values restorable (the equivalent of saveables). It is asked
 * whenever a restore or save needs the holders, and must return the same holders each time.
 */
export const restorableAttributes: unique symbol = Symbol.for('tfjs-checkpoint.restorableAttributes') as never;

/** Work that completes a group of commits once (e.g. handing staged slots to an optimizer). */
export interface Finalizer {
  finalize(): Promise<void>;
}

/** A value checked and converted for a {@link Restorable}, ready to apply once every value of the restore is. */
export interface PreparedWrite {
  /** Applies the value. Must not fail for reasons `prepare` could have checked. */
  commit(): void;
  /** Releases what `prepare` allocated when the restore is abandoned. */
  discard(): void;
  /** Run once after every commit of the restore (deduplicated by identity). */
  after?: Finalizer;
}

/**
 * A value holder that is not a tfjs variable but restores and saves like one: return it from
 * `[restorableAttributes]()` to give an object checkpoint attributes of its own.
 */
export interface Restorable {
  readonly shape: readonly number[];
  readonly dtype: TfjsDType;
  /** Validates `value` for this slot (shape, dtype) and converts it; no side effects. `path` names it in errors. */
  prepare(value: TensorValue, path: string): PreparedWrite;
  /** The current value (for saving). */
  read(): Promise<TensorValue>;
  /** Where the current value lives when a restore may overwrite it in place (see in_place_target), or why not. */
  inPlace?(): InPlaceSupport;
  /**
   * True when the value need not be matched by a checkpoint (e.g. state of an optimizer that has not taken a step
   * yet: in TensorFlow such variables do not exist until then), so load-status checks skip it.
   */
  optional?(): boolean;
  /**
   * Why the slot can no longer take a value (its variable was disposed), or null. Asked before a restore reads
   * anything and again just before it assigns, so a disposed target fails the restore with nothing changed.
   */
  unusable?(): string | null;
}

export { OBJECT_CONFIG_JSON, VARIABLE_VALUE };

/**
 * Takes an OBJECT_CONFIG_JSON string and does nothing with it, as TensorFlow's restore does (the config is
 * informational); never required from a checkpoint.
 */
const configJson: Restorable = {
  shape: [],
  dtype: 'string',
  prepare: () => ({ commit: () => undefined, discard: () => undefined }),
  read: () => Promise.resolve({ dtype: 'string', shape: [], data: [new TextEncoder().encode('{}')] }),
  optional: () => true,
};

function pyShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** TensorFlow's message for a value whose shape does not fit, naming the variable by its checkpoint path. */
export function shapeMismatch(
  received: readonly number[],
  expected: readonly number[],
  path: string,
  hint = '',
): MismatchError {
  return new MismatchError(
    `Received incompatible tensor with shape ${pyShape(received)} when attempting to restore variable with shape ` +
      `${pyShape(expected)} and name ${path}.${hint ? ` ${hint}` : ''}`,
    { key: path },
  );
}

/** Checks and converts a checkpoint value for a tfjs slot of `shape` and `dtype`; returns the tfjs tensor. */
export function tensorFor(value: TensorValue, shape: readonly number[], dtype: TfjsDType, path: string): tfc.Tensor {
  if (value.shape.length !== shape.length || value.shape.some((d, i) => d !== shape[i])) {
    throw shapeMismatch(value.shape, shape, path);
  }
  if (tfjsDTypeOf(value.dtype) !== dtype) {
    throw new MismatchError(
      `Cannot restore ${path}: the checkpoint holds ${value.dtype}, the variable is ${dtype} (TensorFlow does not cast either)`,
      { key: path },
    );
  }
  return toTfjsTensor(value, path);
}

/** The checkpoint value of a tfjs tensor (float32/int32/bool/complex64/string are stored as themselves). */
export async function valueOf(t: tfc.Tensor): Promise<TensorValue> {
  const shape = [...t.shape];
  switch (t.dtype) {
    case 'float32':
      return { dtype: 'float32', shape, data: (await t.data()) as Float32Array };
    case 'int32':
      return { dtype: 'int32', shape, data: (await t.data()) as Int32Array };
    case 'bool':
      return { dtype: 'bool', shape, data: Uint8Array.from((await t.data()) as Uint8Array) };
    case 'string':
      return { dtype: 'string', shape, data: (await t.bytes()) as Uint8Array[] };
    case 'complex64': {
      const [re, im] = await Promise.all([tfjsCore().real(t).data(), tfjsCore().imag(t).data()]);
      // Interleaved real and imaginary parts, as TensorFlow stores complex64.
      const data = new Float32Array(re.length * 2);
      re.forEach((r, i) => {
        data[2 * i] = r;
      });
      im.forEach((m, i) => {
        data[2 * i + 1] = m;
      });
      return { dtype: 'complex64', shape, data };
    }
    default:
      throw new MismatchError(`Unsupported tfjs dtype ${String(t.dtype)}`);
  }
}

function variableRestorable(target: () => TfjsVariableLike, shape: readonly number[], dtype: string): Restorable {
  const tfjsDtype = dtype as TfjsDType;
  return {
    shape,
    dtype: tfjsDtype,
    prepare(value, path) {
      const t = tensorFor(value, shape, tfjsDtype, path);
      return {
        commit: () => {
          target().assign(t);
          t.dispose();
        },
        discard: () => t.dispose(),
      };
    },
    read: () => valueOf(target() as unknown as tfc.Tensor),
    inPlace: () => inPlaceSupport(target()),
    unusable() {
      try {
        return target().isDisposed ? 'its variable was disposed' : null;
      } catch {
        // A disposed tfjs-layers LayerVariable throws on read().
        return 'its variable was disposed';
      }
    },
  };
}

// A WeakMap: restores and saves must see the same value holders for a live object they do not own (no field may
// be added to a tfjs variable), and the holders must go with it.
const cache = new WeakMap<object, Map<string, Restorable>>();

/**
 * The restorable attributes of a live object by attribute name, or null when it holds no values of its own.
 * Holders made here (for tfjs variables, layers and optimizers) are cached per object so restores and saves see the
 * same slots; objects defining `[restorableAttributes]()` keep their own.
 */
export function restorablesOf(obj: object): Map<string, Restorable> | null {
  // An object that defines its own holders owns them: asked each time, not cached (a WeakMap entry per object
  // was much of the cost of planning 10^6 of them).
  const custom = (obj as { [restorableAttributes]?: () => Map<string, Restorable> })[restorableAttributes];
  if (typeof custom === 'function') return custom.call(obj);
  const cached = cache.get(obj);
  if (cached) return cached;
  let result: Map<string, Restorable> | null = null;
  if (isLayerVariable(obj)) {
    // Assign the core variable directly: LayerVariable.write would also apply the layer's weight constraint, which
    // a restore must not do (TensorFlow restores values as stored).
    const lv = obj;
    result = new Map([
      [VARIABLE_VALUE, variableRestorable(() => lv.read() as TfjsVariableLike, lv.shape as number[], lv.dtype)],
    ]);
  } else if (isTfjsVariable(obj)) {
    const v = obj;
    result = new Map([[VARIABLE_VALUE, variableRestorable(() => v, v.shape, v.dtype)]]);
  } else if (isLayer(obj) || isOptimizer(obj)) {
    result = new Map([[OBJECT_CONFIG_JSON, configJson]]);
  }
  if (result) cache.set(obj, result);
  return result;
}
