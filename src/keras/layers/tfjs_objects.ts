/**
 * Initializers, regularizers, constraints and activations from their tfjs config identifiers, through the
 * serialization registry of tfjs-core: tfjs-layers registers its own there, and so does anything an application
 * or this package adds (custom activations), so the layers here accept exactly what tfjs's own layers accept.
 */
import * as tfc from '@tensorflow/tfjs-core';

import { InvalidArgumentError } from '../../errors';

export type Identifier = string | tfc.serialization.ConfigDict | null | undefined;

/** What the layers need of a tfjs Initializer, Regularizer or Constraint. */
export interface TfjsInitializer extends tfc.serialization.Serializable {
  apply(shape: number[], dtype?: tfc.DataType): tfc.Tensor;
}
export interface TfjsRegularizer extends tfc.serialization.Serializable {
  apply(x: tfc.Tensor): tfc.Scalar;
}
export interface TfjsConstraint extends tfc.serialization.Serializable {
  apply(w: tfc.Tensor): tfc.Tensor;
}
export interface TfjsActivation extends tfc.serialization.Serializable {
  apply(x: tfc.Tensor, axis?: number): tfc.Tensor;
}

/** What each kind of registered object is. */
interface KindTypes {
  initializer: TfjsInitializer;
  regularizer: TfjsRegularizer;
  constraint: TfjsConstraint;
  activation: TfjsActivation;
}
type Kind = keyof KindTypes;

// The registry is untyped: what it holds under a kind's class names is trusted to be of that kind.
function fromRegistry<K extends Kind>(kind: K, className: string, config: tfc.serialization.ConfigDict): KindTypes[K] {
  const entry = tfc.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry === undefined)
    throw new InvalidArgumentError(`Unknown ${kind}: ${className} (not registered with tf.serialization)`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as unknown as KindTypes[K];
}

function isSerializable(v: unknown): v is tfc.serialization.Serializable {
  return typeof v === 'object' && v !== null && typeof (v as { getClassName?: unknown }).getClassName === 'function';
}

/**
 * An initializer, regularizer or constraint from a tfjs identifier: a name ('glorotUniform', 'GlorotUniform',
 * 'l1l2'), a `{className, config}` dict, or an instance (returned as is).
 */
export function deserializeObject<K extends Exclude<Kind, 'activation'>>(
  kind: K,
  identifier: unknown,
): KindTypes[K] | null {
  if (identifier === null || identifier === undefined) return null;
  if (isSerializable(identifier)) return identifier as KindTypes[K];
  if (typeof identifier === 'string') {
    // tfjs spells identifiers in camelCase and class names in PascalCase (l1l2 → L1L2 is the one exception).
    const className = identifier === 'l1l2' ? 'L1L2' : identifier.charAt(0).toUpperCase() + identifier.slice(1);
    return fromRegistry(kind, className, {});
  }
  const dict = identifier as tfc.serialization.ConfigDict;
  if (typeof dict['className'] !== 'string')
    throw new InvalidArgumentError(`Invalid ${kind}: ${JSON.stringify(identifier)}`);
  return fromRegistry(kind, dict['className'], (dict['config'] ?? {}) as tfc.serialization.ConfigDict);
}

/** tfjs's `{className, config}` form of an initializer, regularizer or constraint (null stays null). */
export function serializeObject(obj: tfc.serialization.Serializable | null): tfc.serialization.ConfigDict | null {
  return obj === null ? null : { className: obj.getClassName(), config: obj.getConfig() };
}

/** An activation by its tfjs name ('relu', 'gelu', 'linear', …; null means linear), as tfjs's layers resolve it. */
export function getActivation(identifier: Identifier | TfjsActivation): TfjsActivation {
  if (identifier === null || identifier === undefined) return fromRegistry('activation', 'linear', {});
  if (isSerializable(identifier)) return identifier;
  if (typeof identifier === 'string') return fromRegistry('activation', identifier, {});
  const dict = identifier;
  const className = dict['className'];
  if (typeof className !== 'string')
    throw new InvalidArgumentError(`Invalid activation: ${JSON.stringify(identifier)}`);
  return fromRegistry('activation', className, (dict['config'] ?? {}) as tfc.serialization.ConfigDict);
}

/** An activation as tfjs serializes it: its class name. */
export function serializeActivation(activation: TfjsActivation): string {
  return activation.getClassName();
}
