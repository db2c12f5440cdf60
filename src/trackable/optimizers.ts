/**
 * tfjs optimizers as trackables, so that Keras optimizer state in a checkpoint restores into them and training
 * resumes where TensorFlow stopped.
 *
 * Keras writes optimizer state three ways, all handled:
 *  - legacy OptimizerV2 (TF ≤ 2.10): hyper-parameters `iter`, `learning_rate`, `beta_1`, …, and slots (`m`, `v`,
 *    `momentum`, `rms`, …) reached through the optimizer node's `slot_variables`;
 *  - Keras ≥ 2.11: `_iterations`, `_learning_rate` and per-kind lists (`_momentums`, `_velocities`, `momentums`,
 *    …) indexed like the optimizer's variable list;
 *  - Keras 3: the same lists plus `_trainable_variables`, which says which variable each index belongs to.
 * A tfjs optimizer keeps its slots positionally, in the order of the variables it updates; that order is the
 * optimizer's variable list: `setOptimizerVariables(optimizer, variables)`, or by default the trainable weights of
 * the LayersModel it was compiled with (or sits beside in a Checkpoint).
 *
 * Slot values are staged per optimizer and handed to `optimizer.setWeights()` in one step after every other value
 * of the restore has been validated.
 */
import type * as tfc from '@tensorflow/tfjs-core';

import { type TensorValue, toTfjsValues } from '../bundle';
import { UnsupportedError } from '../errors';
import type { TrackableAdapter } from '../graph';
import { type PreparedWrite, type Restorable, restorableAttributes, tensorFor, VARIABLE_VALUE, valueOf } from './restorable';
import { isOptimizer, type LayerVariableLike, type OptimizerLike, type TfjsVariableLike } from './tfjs_types';
import { tfjsCore } from './tfjs_module';

type LiveVariable = LayerVariableLike | TfjsVariableLike;

interface OptimizerKind {
  /**
   * tfjs slot groups, in the order getWeights()/setWeights() use after `iter`. Each is named as Keras's legacy
   * slot (`m`, `rms`, …, referenced through the optimizer's slot_variables).
   */
  groups: string[];
  /** Keras ≥ 2.11 / Keras 3 slot lists (children of the optimizer, indexed like its variables) → group. */
  lists: Record<string, string>;
  /** Checkpoint hyper-parameter names → tfjs numeric field. */
  hyper: Record<string, string>;
}

const KINDS: Record<string, OptimizerKind> = {
  Adam: {
    groups: ['m', 'v'],
    lists: { _momentums: 'm', _velocities: 'v' },
    hyper: { beta_1: 'beta1', beta_2: 'beta2' },
  },
  Momentum: { groups: ['momentum'], lists: { momentums: 'momentum' }, hyper: { momentum: 'momentum' } },
  SGD: { groups: [], lists: {}, hyper: {} },
  RMSProp: {
    groups: ['rms', 'momentum', 'mg'],
    lists: { _velocities: 'rms', _momentums: 'momentum', _average_gradients: 'mg' },
    hyper: { rho: 'decay', momentum: 'momentum' },
  },
  Adagrad: { groups: ['accumulator'], lists: { _accumulators: 'accumulator' }, hyper: {} },
  Adadelta: {
    groups: ['accum_grad', 'accum_var'],
    lists: { _accumulated_grads: 'accum_grad', _accumulated_delta_vars: 'accum_var' },
    hyper: { rho: 'rho' },
  },
  Adamax: {
    groups: ['m', 'v'],
    lists: { _m: 'm', _u: 'v' },
    hyper: { beta_1: 'beta1', beta_2: 'beta2' },
  },
};

const explicitVariables = new WeakMap<object, () => readonly LiveVariable[]>();

/**
 * Declares the variables an optimizer updates, in the order it is given their gradients (the order of its slot
 * arrays). Needed for optimizers used in custom training loops; for a compiled LayersModel it is inferred.
 */
export function setOptimizerVariables(optimizer: object, variables: readonly object[] | (() => readonly object[])): void {
  const list = (typeof variables === 'function' ? variables : () => variables) as () => readonly LiveVariable[];
  explicitVariables.set(optimizer, list);
}

/** Infers the variable list from a model unless one was declared (used by Checkpoint and the model adapter). */
export function inferOptimizerVariables(optimizer: object, model: { readonly trainableWeights: readonly LiveVariable[] }): void {
  if (!explicitVariables.has(optimizer)) explicitVariables.set(optimizer, () => model.trainableWeights);
}

/** A scalar of an optimizer that a checkpoint stores as a variable (iterations, learning rate, beta_1, …). */
class ScalarField implements Restorable {
  readonly shape: readonly number[] = [];
  pending: number | null = null;
  readonly set: (v: number) => void;

  constructor(
    /** For messages, e.g. `Adam/beta_1`. */
    readonly name: string,
    /** Whether a checkpoint must provide it (see Restorable.optional). */
    readonly optional: () => boolean,
    readonly dtype: 'float32' | 'int32',
    private readonly get: () => number,
    set: (v: number) => void,
    private readonly state: OptimizerState,
    /** Rejects values tfjs cannot honour (e.g. a learning-rate decay). */
    private readonly check: (v: number, path: string) => void = () => undefined,
  ) {
    this.set = set;
  }

  [restorableAttributes](): Map<string, Restorable> {
    return new Map<string, Restorable>([[VARIABLE_VALUE, this]]);
  }

  prepare(value: TensorValue, path: string): PreparedWrite {
    // A float scalar restores into a float field even when stored as float64; iterations are int64 in Keras.
    const target = this.dtype === 'int32' && value.dtype === 'int64' ? 'int32' : this.dtype;
    tensorFor(value, [], target, path).dispose();
    const v = toTfjsValues(value, path).values as ArrayLike<number>;
    const n = Number(v[0]);
    this.check(n, path);
    return {
      commit: () => {
        this.set(n);
        if (this.dtype === 'int32') this.pending = n;
      },
      discard: () => undefined,
      after: this.state,
    };
  }

  read(): Promise<TensorValue> {
    const v = this.get();
    return Promise.resolve(
      this.dtype === 'int32'
        ? { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(v)) }
        : { dtype: 'float32', shape: [], data: Float32Array.of(v) },
    );
  }
}

/** One slot (e.g. Adam's `m`) of one variable: restores into the optimizer's slot array at the variable's index. */
class SlotVariable implements Restorable {
  readonly dtype = 'float32' as const;

  constructor(
    private readonly state: OptimizerState,
    readonly group: string,
    readonly variable: LiveVariable,
  ) {}

  get name(): string {
    return `${this.variable.name}/${this.group}`;
  }

  optional(): boolean {
    return this.state.unstarted() || !this.state.groupUsed(this.group);
  }

  get shape(): readonly number[] {
    return this.variable.shape as number[];
  }

  [restorableAttributes](): Map<string, Restorable> {
    return new Map<string, Restorable>([[VARIABLE_VALUE, this]]);
  }

  prepare(value: TensorValue, path: string): PreparedWrite {
    this.state.requireWeightsApi(path);
    const t = tensorFor(value, this.shape, 'float32', path);
    return {
      commit: () => this.state.stage(this, t),
      discard: () => t.dispose(),
      after: this.state,
    };
  }

  /** The slot as Keras stores it (for Momentum, Keras's velocity = −lr · tfjs's accumulation). */
  async read(): Promise<TensorValue> {
    const current = await this.state.currentSlot(this);
    if (!current) return { dtype: 'float32', shape: [...this.shape], data: new Float32Array(this.shape.reduce((a, b) => a * b, 1)) };
    if (this.group === 'momentum' && this.state.optimizer.getClassName() === 'Momentum') {
      const lr = (this.state.optimizer as unknown as { learningRate: number }).learningRate;
      const scaled = tfjsCore().mul(current, -lr);
      try {
        return await valueOf(scaled);
      } finally {
        scaled.dispose();
      }
    }
    return valueOf(current);
  }
}

/** The package's view of one tfjs optimizer: its checkpointable fields and slots, and staged restores. */
export class OptimizerState {
  readonly kind: OptimizerKind | null;
  private readonly fields = new Map<string, ScalarField>();
  /** The step count and learning rate, also in `fields` under their TF and Keras names. */
  private readonly iterationsField: ScalarField;
  private readonly learningRateField: ScalarField;
  private readonly slots = new Map<string, Map<LiveVariable, SlotVariable>>();
  private staged = new Map<SlotVariable, tfc.Tensor>();
  /** Whether slot values follow legacy Keras semantics (set when the checkpoint says so). */
  kerasMomentum = true;
  /** Whether the iteration count came from TF1 Adam's beta1_power rather than a counter. */
  iterationsFromPowers = false;

  constructor(readonly optimizer: OptimizerLike) {
    this.kind = KINDS[optimizer.getClassName()] ?? null;
    const o = optimizer as unknown as Record<string, number> & { setLearningRate?: (lr: number) => void };
    const cls = optimizer.getClassName();
    /** A numeric hyper-parameter of the optimizer (tfjs keeps them as plain number properties). */
    const hyper = (field: string): number => {
      const v = o[field];
      if (typeof v !== 'number') throw new UnsupportedError(`The ${cls} optimizer has no numeric ${field}`);
      return v;
    };
    const always = (): boolean => true;
    // Not required once a TF1 checkpoint's beta1_power has given the count.
    const iterationsOptional = (): boolean => this.unstarted() || this.iterationsFromPowers;
    const iterations = new ScalarField(`${cls}/iter`, iterationsOptional, 'int32', () => optimizer.iterations, (v) => void (o['iterations_'] = v), this);
    // Optional: Keras optimizers with a learning-rate schedule checkpoint no learning-rate variable.
    const lr = new ScalarField(`${cls}/learning_rate`, always, 'float32', () => hyper('learningRate'), (v) => (o.setLearningRate ? o.setLearningRate(v) : (o['learningRate'] = v)), this);
    this.fields.set('iter', iterations).set('_iterations', iterations).set('learning_rate', lr).set('_learning_rate', lr);
    this.iterationsField = iterations;
    this.learningRateField = lr;
    for (const [name, field] of Object.entries(this.kind?.hyper ?? {})) {
      const setter = (v: number): void => {
        const setMomentum = (o as unknown as { setMomentum?: (m: number) => void }).setMomentum;
        if (field === 'momentum' && setMomentum) setMomentum.call(o, v);
        else o[field] = v;
      };
      // Legacy Keras hyper-parameters; tfjs and Keras ≥ 2.11 keep them as plain numbers, so never required.
      this.fields.set(name, new ScalarField(`${cls}/${name}`, always, 'float32', () => hyper(field), setter, this));
    }
    // Legacy Keras optimizers checkpoint a learning-rate decay; tfjs optimizers have none, so only 0 restores.
    const noDecay = (v: number, path: string): void => {
      if (v !== 0) {
        throw new UnsupportedError(
          `Cannot restore ${path}: the checkpoint's optimizer decays its learning rate (decay=${v}) and tfjs ` +
            'optimizers cannot; restore without the optimizer or expect different training steps',
          { key: path },
        );
      }
    };
    this.fields.set('decay', new ScalarField(`${cls}/decay`, always, 'float32', () => 0, () => undefined, this, noDecay));
    if (cls === 'Adam') {
      // TF1's AdamOptimizer keeps no step count but beta1_power = beta1^(t+1), from which tfjs's count follows.
      const beta1 = (): number => hyper('beta1');
      const fromPower = (p: number): void => {
        const t = Math.round(Math.log(p) / Math.log(beta1())) - 1;
        iterations.set(t);
        iterations.pending = t;
        this.iterationsFromPowers = true;
      };
      this.fields.set('beta1_power', new ScalarField(`${cls}/beta1_power`, always, 'float32', () => beta1() ** (optimizer.iterations + 1), fromPower, this));
      const beta2 = (): number => hyper('beta2');
      this.fields.set('beta2_power', new ScalarField(`${cls}/beta2_power`, always, 'float32', () => beta2() ** (optimizer.iterations + 1), () => undefined, this));
    }
  }

  /**
   * Whether a slot group holds state that matters: tfjs's RMSProp keeps momentum and mean-gradient slots even
   * when momentum is 0 or it is not centered, where Keras keeps none.
   */
  groupUsed(group: string): boolean {
    const o = this.optimizer as unknown as { momentum?: number; centered?: boolean };
    if (this.optimizer.getClassName() !== 'RMSProp') return true;
    if (group === 'momentum') return (o.momentum ?? 0) > 0;
    if (group === 'mg') return o.centered === true;
    return true;
  }

  /** The slot groups tfjs itself keeps, in getWeights() order (its RMSProp has mean gradients only when centered). */
  tfjsGroups(): string[] {
    if (!this.kind) return [];
    const centered = (this.optimizer as unknown as { centered?: boolean }).centered === true;
    return this.kind.groups.filter((g) => !(this.optimizer.getClassName() === 'RMSProp' && g === 'mg' && !centered));
  }

  /** An optimizer that has not taken a step has no state yet (TensorFlow creates its variables lazily too). */
  unstarted(): boolean {
    return this.optimizer.iterations === 0;
  }

  /** The optimizer's variables in slot order, or null when they cannot be known. */
  variables(): readonly LiveVariable[] | null {
    return explicitVariables.get(this.optimizer)?.() ?? null;
  }

  slot(group: string, variable: LiveVariable): SlotVariable {
    let byVar = this.slots.get(group);
    if (!byVar) this.slots.set(group, (byVar = new Map<LiveVariable, SlotVariable>()));
    let s = byVar.get(variable);
    if (!s) byVar.set(variable, (s = new SlotVariable(this, group, variable)));
    return s;
  }

  /** The live slot for a checkpoint slot name (legacy `m`, `rms`, …) of a variable, or null if tfjs has none. */
  slotFor(slotName: string, variable: LiveVariable): SlotVariable | null {
    if (!this.kind?.groups.includes(slotName) || !this.variables()?.includes(variable)) return null;
    return this.slot(slotName, variable);
  }

  children(): Array<[string, unknown]> {
    const out: Array<[string, unknown]> = [...this.fields];
    const vars = this.variables();
    if (vars && this.kind) {
      out.push(['_trainable_variables', cachedList(this, '_trainable_variables', () => [...vars])]);
      for (const [list, group] of Object.entries(this.kind.lists)) {
        out.push([list, cachedList(this, list, () => vars.map((v) => this.slot(group, v)))]);
      }
    }
    return out;
  }

  /** Slot groups that hold state, with their legacy Keras slot names, each slot in variable order (for saving). */
  legacySlots(): Array<{ slotName: string; slots: SlotVariable[] }> {
    const vars = this.variables();
    if (!vars || !this.kind || this.unstarted()) return [];
    return this.kind.groups
      .filter((g) => this.groupUsed(g))
      .map((group) => ({ slotName: group, slots: vars.map((v) => this.slot(group, v)) }));
  }

  /** The children Keras 3's optimizer has in a checkpoint. */
  keras3SaveChildren(): Array<[string, unknown]> {
    const iter = this.iterationsField;
    const lr = this.learningRateField;
    const vars = this.variables();
    if (!vars || !this.kind || this.unstarted()) return [['_iterations', iter], ['_learning_rate', lr]];
    const lists = Object.entries(this.kind.lists).filter(([, g]) => this.groupUsed(g));
    const variables = cachedList(this, '_variables', () => [iter, lr, ...vars.flatMap((v) => lists.map(([, g]) => this.slot(g, v)))]);
    return [
      ['_variables', variables],
      ['_trainable_variables', cachedList(this, '_trainable_variables', () => [...vars])],
      ['_iterations', iter],
      ['_learning_rate', lr],
      ...lists.map(([list, g]): [string, unknown] => [list, cachedList(this, list, () => vars.map((v) => this.slot(g, v)))]),
    ];
  }

  /**
   * The optimizer's variables in Keras 3's order (`optimizer.variables`: iterations, learning rate, then each
   * variable's slots), whether or not it has taken a step: what Keras's HDF5 files list under `optimizer/vars`.
   */
  kerasVariables(): unknown[] {
    const iter = this.iterationsField;
    const lr = this.learningRateField;
    const vars = this.variables();
    if (!vars || !this.kind) return [iter, lr];
    const groups = Object.values(this.kind.lists).filter((g) => this.groupUsed(g));
    return [iter, lr, ...vars.flatMap((v) => groups.map((g) => this.slot(g, v)))];
  }

  requireWeightsApi(path: string): void {
    if (this.optimizer.getClassName() === 'Adamax') {
      throw new UnsupportedError(
        `Cannot restore ${path}: tfjs's Adamax optimizer cannot take optimizer state (it implements no setWeights); ` +
          'restore without the optimizer state (status.expectPartial()) or use another optimizer',
        { key: path },
      );
    }
  }

  stage(slot: SlotVariable, t: tfc.Tensor): void {
    this.staged.get(slot)?.dispose();
    this.staged.set(slot, t);
  }

  async currentSlot(slot: SlotVariable): Promise<tfc.Tensor | null> {
    const vars = this.variables();
    const i = vars?.indexOf(slot.variable) ?? -1;
    if (vars === null || i < 0 || !this.kind) return null;
    const weights = await this.optimizer.getWeights();
    // getWeights() makes a fresh tensor for `iter` and returns the slot variables themselves.
    (weights[0]?.tensor as unknown as tfc.Tensor | undefined)?.dispose();
    const g = this.tfjsGroups().indexOf(slot.group);
    if (g < 0) return null;
    return (weights[1 + g * vars.length + i]?.tensor as unknown as tfc.Tensor | undefined) ?? null;
  }

  /**
   * Hands staged slot values and the iteration count to the optimizer in one setWeights call; slots the
   * checkpoint does not hold keep their current value (zeros if the optimizer has none yet).
   */
  async finalize(): Promise<void> {
    const staged = this.staged;
    this.staged = new Map();
    const iterations = this.iterationsField.pending;
    this.iterationsField.pending = null;
    const vars = this.variables();
    if (!this.kind || (staged.size === 0 && iterations === null)) return;
    const current = await this.optimizer.getWeights();
    if (!vars) {
      // Slots cannot be placed without the variable order, but the iteration count still goes through
      // setWeights, which also updates what depends on it (Adam's bias-correction powers).
      const iter = tfjsCore().scalar(iterations ?? this.optimizer.iterations, 'int32');
      const [oldIter, ...rest] = current;
      await this.optimizer.setWeights([{ name: 'iter', tensor: iter }, ...rest] as never);
      tfjsCore().dispose([iter, ...(oldIter === undefined ? [] : [oldIter.tensor as unknown as tfc.Tensor])]);
      return;
    }
    const n = vars.length;
    const groups = this.tfjsGroups();
    const hasSlots = current.length === 1 + groups.length * n;
    const lr = (this.optimizer as unknown as { learningRate: number }).learningRate;
    const iterTensor = tfjsCore().scalar(iterations ?? this.optimizer.iterations, 'int32');
    const weights: Array<{ name: string; tensor: tfc.Tensor }> = [{ name: 'iter', tensor: iterTensor }];
    const created: tfc.Tensor[] = [iterTensor];
    groups.forEach((group, g) => {
      vars.forEach((v, i) => {
        const slot = this.slots.get(group)?.get(v);
        let t = slot ? staged.get(slot) : undefined;
        if (t && group === 'momentum' && this.optimizer.getClassName() === 'Momentum' && this.kerasMomentum) {
          // Keras keeps velocity = momentum·velocity − lr·g; tfjs keeps accumulation = momentum·acc + g.
          const scaled = tfjsCore().mul(t, -1 / lr);
          created.push(scaled);
          t = scaled;
        }
        if (!t) t = hasSlots ? (current[1 + g * n + i]?.tensor as unknown as tfc.Tensor | undefined) : undefined;
        if (!t) {
          t = tfjsCore().zeros(v.shape as number[]);
          created.push(t);
        }
        weights.push({ name: `${v.name}/${group}`, tensor: t });
      });
    });
    const previous = hasSlots ? current.slice(1).map((w) => w.tensor as unknown as tfc.Tensor) : [];
    await this.optimizer.setWeights(weights);
    // setWeights made new variables from these tensors; release ours and the slots they replace.
    const oldIter = current[0]?.tensor as unknown as tfc.Tensor | undefined;
    tfjsCore().dispose([...created, ...staged.values(), ...(oldIter === undefined ? [] : [oldIter]), ...previous]);
  }
}

const lists = new WeakMap<OptimizerState, Map<string, unknown[]>>();

function cachedList(state: OptimizerState, name: string, make: () => unknown[]): unknown[] {
  let byName = lists.get(state);
  if (!byName) lists.set(state, (byName = new Map<string, unknown[]>()));
  let list = byName.get(name);
  if (!list) byName.set(name, (list = make()));
  return list;
}

const states = new WeakMap<object, OptimizerState>();

export function optimizerState(optimizer: OptimizerLike): OptimizerState {
  let s = states.get(optimizer);
  if (!s) states.set(optimizer, (s = new OptimizerState(optimizer)));
  return s;
}

export const optimizerAdapter: TrackableAdapter = {
  name: 'tfjs Optimizer',
  matches: isOptimizer,
  children: (obj) => optimizerState(obj as OptimizerLike).children(),
};
