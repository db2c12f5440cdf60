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

import type { TensorValue } from '../../bundle';
import { UnsupportedError } from '../../errors';
import {
  type LayerVariableLike,
  type TfjsTensorLike,
  type OptimizerLike,
  type PreparedWrite,
  type Restorable,
  restorableAttributes,
  tensorFor,
  tfjsCore,
  type TfjsVariableLike,
  toTfjsValues,
  VARIABLE_VALUE,
  valueOf,
} from '../../trackable';

type LiveVariable = LayerVariableLike | TfjsVariableLike;

/** The numeric fields and setters of tfjs optimizers this adapter reads and writes (one typed view of them). */
interface OptimizerFields {
  learningRate: number;
  iterations_?: number;
  beta1?: number;
  beta2?: number;
  rho?: number;
  decay?: number;
  momentum?: number;
  centered?: boolean;
  setLearningRate?(lr: number): void;
  setMomentum?(m: number): void;
}

/** The hyper-parameter fields a checkpoint may set. */
type HyperField = 'beta1' | 'beta2' | 'rho' | 'decay' | 'momentum';

function fieldsOf(optimizer: OptimizerLike): OptimizerFields {
  return optimizer as unknown as OptimizerFields;
}

/** tfjs hands weights out typed as its own tensors; they are tfjs-core tensors. */
function coreTensor(t: TfjsTensorLike): tfc.Tensor {
  return t as unknown as tfc.Tensor;
}

/** One tfjs slot group of an optimizer class. */
interface SlotSpec {
  /** Keras's legacy slot name (`m`, `rms`, …, referenced through the optimizer's slot_variables). */
  readonly slot: string;
  /** The Keras ≥ 2.11 / Keras 3 list of this slot (a child of the optimizer, indexed like its variables). */
  readonly list: string;
  /** Whether the slot holds state that matters (Keras keeps none for an unused RMSProp momentum). */
  readonly used?: (o: OptimizerFields) => boolean;
  /** Whether tfjs keeps the slot in getWeights() at all (its RMSProp has mean gradients only when centered). */
  readonly kept?: (o: OptimizerFields) => boolean;
  /**
   * Keras's value per tfjs value, when the two differ: Keras's momentum keeps velocity = momentum·velocity − lr·g
   * where tfjs keeps accumulation = momentum·acc + g, so velocity = −lr · accumulation.
   */
  readonly kerasPerTfjs?: (o: OptimizerFields) => number;
}

/** What this adapter knows of one tfjs optimizer class, as data. */
interface OptimizerSpec {
  /** Slot groups, in the order getWeights()/setWeights() use after `iter`. */
  readonly slots: readonly SlotSpec[];
  /** Checkpoint hyper-parameter names → tfjs numeric field (besides iterations, learning rate and decay). */
  readonly hyper: Readonly<Record<string, HyperField>>;
  /** The legacy Keras hyper-parameters a Keras 2 save writes after `iter`, in Keras's order. */
  readonly legacyHyper: readonly string[];
  /** TF1's AdamOptimizer checkpoints beta1_power/beta2_power instead of a step count. */
  readonly tf1Powers?: boolean;
  /** tfjs's Adamax implements no setWeights, so it cannot take slot values. */
  readonly noSetWeights?: boolean;
}

/** Adam and Adamax: slots `m` and `v` (under their own list names), betas, the same legacy hyper-parameters. */
function adamFamily(mList: string, vList: string): OptimizerSpec {
  return {
    slots: [
      { slot: 'm', list: mList },
      { slot: 'v', list: vList },
    ],
    hyper: { beta_1: 'beta1', beta_2: 'beta2' },
    legacyHyper: ['beta_1', 'beta_2', 'decay', 'learning_rate'],
  };
}

const OPTIMIZERS: Readonly<Record<string, OptimizerSpec>> = {
  Adam: { ...adamFamily('_momentums', '_velocities'), tf1Powers: true },
  Momentum: {
    slots: [{ slot: 'momentum', list: 'momentums', kerasPerTfjs: (o) => -o.learningRate }],
    hyper: { momentum: 'momentum' },
    legacyHyper: ['decay', 'learning_rate', 'momentum'],
  },
  SGD: { slots: [], hyper: {}, legacyHyper: ['decay', 'learning_rate'] },
  RMSProp: {
    slots: [
      { slot: 'rms', list: '_velocities' },
      { slot: 'momentum', list: '_momentums', used: (o) => (o.momentum ?? 0) > 0 },
      { slot: 'mg', list: '_average_gradients', used: (o) => o.centered === true, kept: (o) => o.centered === true },
    ],
    hyper: { rho: 'decay', momentum: 'momentum' },
    legacyHyper: ['decay', 'learning_rate', 'momentum', 'rho'],
  },
  Adagrad: {
    slots: [{ slot: 'accumulator', list: '_accumulators' }],
    hyper: {},
    legacyHyper: ['decay', 'learning_rate'],
  },
  Adadelta: {
    slots: [
      { slot: 'accum_grad', list: '_accumulated_grads' },
      { slot: 'accum_var', list: '_accumulated_delta_vars' },
    ],
    hyper: { rho: 'rho' },
    legacyHyper: ['decay', 'learning_rate', 'rho'],
  },
  Adamax: { ...adamFamily('_m', '_u'), noSetWeights: true },
};

/** A Keras 2 save of an optimizer this adapter has no table for writes its iterations and learning rate only. */
const LEGACY_HYPER_OF_UNKNOWN = ['learning_rate'];

/** Declared variable lists, kept beside the tfjs optimizers (which this package must not add fields to). */
const explicitVariables = new WeakMap<object, () => readonly LiveVariable[]>();

/**
 * Declares the variables an optimizer updates, in the order it is given their gradients (the order of its slot
 * arrays). Needed for optimizers used in custom training loops; for a compiled LayersModel it is inferred.
 */
export function setOptimizerVariables(
  optimizer: object,
  variables: readonly object[] | (() => readonly object[]),
): void {
  const list = (typeof variables === 'function' ? variables : () => variables) as () => readonly LiveVariable[];
  explicitVariables.set(optimizer, list);
}

/** Infers the variable list from a model unless one was declared (used by Checkpoint and the model adapter). */
export function inferOptimizerVariables(
  optimizer: object,
  model: { readonly trainableWeights: readonly LiveVariable[] },
): void {
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
    return new Map([[VARIABLE_VALUE, this]]);
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
    readonly spec: SlotSpec,
    readonly variable: LiveVariable,
  ) {}

  get group(): string {
    return this.spec.slot;
  }

  get name(): string {
    return `${this.variable.name}/${this.group}`;
  }

  optional(): boolean {
    return this.state.unstarted() || !this.state.slotUsed(this.spec);
  }

  get shape(): readonly number[] {
    return this.variable.shape as number[];
  }

  [restorableAttributes](): Map<string, Restorable> {
    return new Map([[VARIABLE_VALUE, this]]);
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

  /** The slot as Keras stores it. */
  async read(): Promise<TensorValue> {
    const current = await this.state.currentSlot(this);
    if (!current)
      return {
        dtype: 'float32',
        shape: [...this.shape],
        data: new Float32Array(this.shape.reduce((a, b) => a * b, 1)),
      };
    const scaled = this.state.convertSlot(this.spec, current, 'toKeras');
    try {
      return await valueOf(scaled);
    } finally {
      if (scaled !== current) scaled.dispose();
    }
  }
}

/** The package's view of one tfjs optimizer: its checkpointable fields and slots, and staged restores. */
export class OptimizerState {
  /** What the adapter knows of this optimizer's class, or null for a class it has no table for. */
  readonly spec: OptimizerSpec | null;
  private readonly fields = new Map<string, ScalarField>();
  private readonly slots = new Map<string, Map<LiveVariable, SlotVariable>>();
  private readonly lists = new Map<string, unknown[]>();
  private staged = new Map<SlotVariable, tfc.Tensor>();
  /**
   * Whether restored slot values follow Keras's conventions (a Keras checkpoint: it counts iterations); TF1
   * optimizers' slots mean what tfjs's do. Read off the checkpoint by readConventions.
   */
  private kerasConventions = true;
  /** Whether the iteration count came from TF1 Adam's beta1_power rather than a counter. */
  iterationsFromPowers = false;

  constructor(readonly optimizer: OptimizerLike) {
    this.spec = OPTIMIZERS[optimizer.getClassName()] ?? null;
    const o = fieldsOf(optimizer);
    const cls = optimizer.getClassName();
    const always = (): boolean => true;
    // Not required once a TF1 checkpoint's beta1_power has given the count.
    const iterationsOptional = (): boolean => this.unstarted() || this.iterationsFromPowers;
    const iterations = new ScalarField(
      `${cls}/iter`,
      iterationsOptional,
      'int32',
      () => optimizer.iterations,
      (v) => void (o.iterations_ = v),
      this,
    );
    // Optional: Keras optimizers with a learning-rate schedule checkpoint no learning-rate variable.
    const lr = new ScalarField(
      `${cls}/learning_rate`,
      always,
      'float32',
      () => o.learningRate,
      (v) => (o.setLearningRate ? o.setLearningRate(v) : (o.learningRate = v)),
      this,
    );
    this.fields
      .set('iter', iterations)
      .set('_iterations', iterations)
      .set('learning_rate', lr)
      .set('_learning_rate', lr);
    for (const [name, field] of Object.entries(this.spec?.hyper ?? {})) {
      const setter = (v: number): void => {
        if (field === 'momentum' && o.setMomentum) o.setMomentum(v);
        else o[field] = v;
      };
      // Legacy Keras hyper-parameters; tfjs and Keras ≥ 2.11 keep them as plain numbers, so never required.
      this.fields.set(name, new ScalarField(`${cls}/${name}`, always, 'float32', () => o[field] ?? 0, setter, this));
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
    this.fields.set(
      'decay',
      new ScalarField(
        `${cls}/decay`,
        always,
        'float32',
        () => 0,
        () => undefined,
        this,
        noDecay,
      ),
    );
    if (this.spec?.tf1Powers === true) {
      // TF1's AdamOptimizer keeps no step count but beta1_power = beta1^(t+1), from which tfjs's count follows.
      const beta1 = (): number => o.beta1 ?? 0;
      const fromPower = (p: number): void => {
        const t = Math.round(Math.log(p) / Math.log(beta1())) - 1;
        iterations.set(t);
        iterations.pending = t;
        this.iterationsFromPowers = true;
      };
      this.fields.set(
        'beta1_power',
        new ScalarField(
          `${cls}/beta1_power`,
          always,
          'float32',
          () => beta1() ** (optimizer.iterations + 1),
          fromPower,
          this,
        ),
      );
      const beta2 = (): number => o.beta2 ?? 0;
      this.fields.set(
        'beta2_power',
        new ScalarField(
          `${cls}/beta2_power`,
          always,
          'float32',
          () => beta2() ** (optimizer.iterations + 1),
          () => undefined,
          this,
        ),
      );
    }
  }

  private field(name: 'iter' | 'learning_rate'): ScalarField {
    const f = this.fields.get(name);
    if (f === undefined) throw new Error(`optimizer field ${name} is always created`);
    return f;
  }

  /** Reads the checkpoint's conventions off the optimizer node's children: Keras counts its iterations. */
  readConventions(checkpointChildren: ReadonlyMap<string, number>): void {
    this.kerasConventions = checkpointChildren.has('iter') || checkpointChildren.has('_iterations');
  }

  /**
   * A slot value converted between tfjs's meaning and Keras's (the one place the momentum sign is flipped);
   * returns `t` itself when the two agree. A restore converts only values of Keras checkpoints.
   */
  convertSlot(spec: SlotSpec, t: tfc.Tensor, direction: 'toKeras' | 'fromKeras'): tfc.Tensor {
    if (spec.kerasPerTfjs === undefined || (direction === 'fromKeras' && !this.kerasConventions)) return t;
    const factor = spec.kerasPerTfjs(fieldsOf(this.optimizer));
    return tfjsCore().mul(t, direction === 'toKeras' ? factor : 1 / factor);
  }

  /** Whether a slot holds state that matters (Keras keeps no RMSProp momentum when momentum is 0). */
  slotUsed(spec: SlotSpec): boolean {
    return spec.used?.(fieldsOf(this.optimizer)) ?? true;
  }

  /** The slot groups tfjs itself keeps, in getWeights() order. */
  private keptSlots(): SlotSpec[] {
    const o = fieldsOf(this.optimizer);
    return (this.spec?.slots ?? []).filter((s) => s.kept?.(o) ?? true);
  }

  /** An optimizer that has not taken a step has no state yet (TensorFlow creates its variables lazily too). */
  unstarted(): boolean {
    return this.optimizer.iterations === 0;
  }

  /** The optimizer's variables in slot order, or null when they cannot be known. */
  variables(): readonly LiveVariable[] | null {
    return explicitVariables.get(this.optimizer)?.() ?? null;
  }

  private slot(spec: SlotSpec, variable: LiveVariable): SlotVariable {
    let byVar = this.slots.get(spec.slot);
    if (!byVar) this.slots.set(spec.slot, (byVar = new Map<LiveVariable, SlotVariable>()));
    let s = byVar.get(variable);
    if (!s) byVar.set(variable, (s = new SlotVariable(this, spec, variable)));
    return s;
  }

  /** The live slot for a checkpoint slot name (legacy `m`, `rms`, …) of a variable, or null if tfjs has none. */
  slotFor(slotName: string, variable: object): SlotVariable | null {
    const spec = this.spec?.slots.find((s) => s.slot === slotName);
    const vars = this.variables();
    const live = vars?.find((v) => v === variable);
    return spec === undefined || live === undefined ? null : this.slot(spec, live);
  }

  /** A list child (`_momentums`, `_variables`, …), made once so the same list object is seen by every listing. */
  private list(name: string, make: () => unknown[]): unknown[] {
    let list = this.lists.get(name);
    if (!list) this.lists.set(name, (list = make()));
    return list;
  }

  /** The optimizer's children: every name Keras ever wrote ('all'), or those one Keras generation saves. */
  childrenFor(names: 'all' | 'keras2' | 'keras3'): Array<[string, unknown]> {
    if (names === 'keras2') return this.legacySaveChildren();
    if (names === 'keras3') return this.keras3SaveChildren();
    const out: Array<[string, unknown]> = [...this.fields];
    const vars = this.variables();
    if (vars && this.spec) {
      out.push(['_trainable_variables', this.list('_trainable_variables', () => [...vars])]);
      for (const spec of this.spec.slots)
        out.push([spec.list, this.list(spec.list, () => vars.map((v) => this.slot(spec, v)))]);
    }
    return out;
  }

  /** Keras 2's legacy optimizer children: `iter` and its hyper-parameters (slots go through savedSlots). */
  private legacySaveChildren(): Array<[string, unknown]> {
    const names = ['iter', ...(this.spec?.legacyHyper ?? LEGACY_HYPER_OF_UNKNOWN)];
    return names.flatMap((n): Array<[string, unknown]> => {
      const f = this.fields.get(n);
      return f === undefined ? [] : [[n, f]];
    });
  }

  /** Slot variables a Keras 2 save writes: each used slot of each variable, grouped by slot, in variable order. */
  savedSlots(): Array<{ variable: object; slotName: string; fullName: string; value: object }> {
    const vars = this.variables();
    if (!vars || !this.spec || this.unstarted()) return [];
    const cls = this.optimizer.getClassName();
    return this.spec.slots
      .filter((spec) => this.slotUsed(spec))
      .flatMap((spec) =>
        vars.map((v) => ({
          variable: v,
          slotName: spec.slot,
          fullName: `${cls}/${fullNameOf(v)}/${spec.slot}`,
          value: this.slot(spec, v),
        })),
      );
  }

  /** The children Keras 3's optimizer has in a checkpoint. */
  private keras3SaveChildren(): Array<[string, unknown]> {
    const iter = this.field('iter');
    const lr = this.field('learning_rate');
    const vars = this.variables();
    if (!vars || !this.spec || this.unstarted())
      return [
        ['_iterations', iter],
        ['_learning_rate', lr],
      ];
    const used = this.spec.slots.filter((spec) => this.slotUsed(spec));
    const variables = this.list('_variables', () => [
      iter,
      lr,
      ...vars.flatMap((v) => used.map((spec) => this.slot(spec, v))),
    ]);
    return [
      ['_variables', variables],
      ['_trainable_variables', this.list('_trainable_variables', () => [...vars])],
      ['_iterations', iter],
      ['_learning_rate', lr],
      ...used.map((spec): [string, unknown] => [
        spec.list,
        this.list(spec.list, () => vars.map((v) => this.slot(spec, v))),
      ]),
    ];
  }

  /**
   * The optimizer's variables in Keras 3's order (`optimizer.variables`: iterations, learning rate, then each
   * variable's slots), whether or not it has taken a step: what Keras's HDF5 files list under `optimizer/vars`.
   */
  kerasVariables(): unknown[] {
    const iter = this.field('iter');
    const lr = this.field('learning_rate');
    const vars = this.variables();
    if (!vars || !this.spec) return [iter, lr];
    const used = this.spec.slots.filter((spec) => this.slotUsed(spec));
    return [iter, lr, ...vars.flatMap((v) => used.map((spec) => this.slot(spec, v)))];
  }

  requireWeightsApi(path: string): void {
    if (this.spec?.noSetWeights === true) {
      throw new UnsupportedError(
        `Cannot restore ${path}: tfjs's ${this.optimizer.getClassName()} optimizer cannot take optimizer state (it ` +
          'implements no setWeights); restore without the optimizer state (expectPartial) or use another optimizer',
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
    if (vars === null || i < 0 || !this.spec) return null;
    const weights = await this.optimizer.getWeights();
    // getWeights() makes a fresh tensor for `iter` and returns the slot variables themselves.
    const iter = weights[0]?.tensor;
    if (iter !== undefined) coreTensor(iter).dispose();
    const g = this.keptSlots().indexOf(slot.spec);
    if (g < 0) return null;
    const t = weights[1 + g * vars.length + i]?.tensor;
    return t === undefined ? null : coreTensor(t);
  }

  /**
   * Hands staged slot values and the iteration count to the optimizer in one setWeights call; slots the
   * checkpoint does not hold keep their current value (zeros if the optimizer has none yet).
   */
  async finalize(): Promise<void> {
    const staged = this.staged;
    this.staged = new Map();
    const iterField = this.field('iter');
    const iterations = iterField.pending;
    iterField.pending = null;
    const vars = this.variables();
    if (!this.spec || (staged.size === 0 && iterations === null)) return;
    const current = await this.optimizer.getWeights();
    const currentIter = current[0] === undefined ? [] : [coreTensor(current[0].tensor)];
    if (!vars) {
      // Slots cannot be placed without the variable order, but the iteration count still goes through
      // setWeights, which also updates what depends on it (Adam's bias-correction powers).
      const iter = tfjsCore().scalar(iterations ?? this.optimizer.iterations, 'int32');
      await this.optimizer.setWeights([{ name: 'iter', tensor: iter }, ...current.slice(1)]);
      tfjsCore().dispose([iter, ...currentIter]);
      return;
    }
    const n = vars.length;
    const kept = this.keptSlots();
    const hasSlots = current.length === 1 + kept.length * n;
    const weights: Array<{ name: string; tensor: tfc.Tensor }> = [];
    const created: tfc.Tensor[] = [tfjsCore().scalar(iterations ?? this.optimizer.iterations, 'int32')];
    weights.push({ name: 'iter', tensor: created[0] as tfc.Tensor });
    kept.forEach((spec, g) => {
      vars.forEach((v, i) => {
        const slot = this.slots.get(spec.slot)?.get(v);
        const stagedValue = slot ? staged.get(slot) : undefined;
        let t = stagedValue === undefined ? undefined : this.convertSlot(spec, stagedValue, 'fromKeras');
        if (t !== undefined && t !== stagedValue) created.push(t);
        const previous = current[1 + g * n + i];
        if (t === undefined && hasSlots && previous !== undefined) t = coreTensor(previous.tensor);
        if (t === undefined) {
          t = tfjsCore().zeros(v.shape as number[]);
          created.push(t);
        }
        weights.push({ name: `${v.name}/${spec.slot}`, tensor: t });
      });
    });
    const previous = hasSlots ? current.slice(1).map((w) => coreTensor(w.tensor)) : [];
    await this.optimizer.setWeights(weights);
    // setWeights made new variables from these tensors; release ours and the slots they replace.
    tfjsCore().dispose([...created, ...staged.values(), ...currentIter, ...previous]);
  }
}

/** The name a variable's slot is written under: its tfjs originalName (layer weights) or name. */
function fullNameOf(v: LiveVariable): string {
  return 'originalName' in v ? v.originalName : v.name;
}

/** Per-optimizer state, kept beside the tfjs object (which this package must not add fields to) and freed with it. */
const states = new WeakMap<object, OptimizerState>();

export function optimizerState(optimizer: OptimizerLike): OptimizerState {
  let s = states.get(optimizer);
  if (!s) states.set(optimizer, (s = new OptimizerState(optimizer)));
  return s;
}
