/**
 * The large restore on @tensorflow/tfjs-node (TensorFlow's kernels), against tfjs-node's own
 * tf.loadLayersModel('file://…') of the same weights. Run by bench/run.ts in a process of its own (loading
 * tfjs-node switches the process's tfjs backend): `node --import tsx bench/tfjs_node.ts DIR RUNS`. Prints one
 * JSON line: the times, or why tfjs-node could not run.
 *
 * The model is one layer per checkpoint variable (a layer that holds a weight of any shape and passes its input
 * through), so both contenders fill exactly the workload's 237 variables: tfjs's loader from model.json +
 * weights.bin (written once, by tfjs-node's own `model.save('file://…')`), this package from the checkpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

type Tf = typeof import('@tensorflow/tfjs');
type Shapes = Record<string, number[]>;

function emit(result: object): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

let tf: Tf;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  tf = require('@tensorflow/tfjs-node') as Tf;
} catch (err) {
  emit({
    skipped: `@tensorflow/tfjs-node does not load (${(err instanceof Error ? err.message : String(err)).split('\n')[0]}): bash scripts/setup-tfjs-node.sh`,
  });
  process.exit(0);
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Checkpoint, setLogger } = require('../dist') as typeof import('../src');

const [DIR = '', RUNS_ARG] = process.argv.slice(2);
const RUNS = Number(RUNS_ARG ?? 5);

/** Holds one weight of the configured shape; its output is its input. */
class WeightHolder extends tf.layers.Layer {
  static className = 'WeightHolder';
  private readonly weightShape: number[];

  constructor(config: { shape: number[]; name?: string; inputShape?: number[] }) {
    super(config);
    this.weightShape = config.shape;
  }

  override build(): void {
    this.addWeight('w', this.weightShape, 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(
    inputs: import('@tensorflow/tfjs').Tensor | import('@tensorflow/tfjs').Tensor[],
  ): import('@tensorflow/tfjs').Tensor {
    return Array.isArray(inputs) ? inputs[0]! : inputs;
  }

  override getConfig(): import('@tensorflow/tfjs').serialization.ConfigDict {
    return { ...super.getConfig(), shape: this.weightShape };
  }
}
tf.serialization.registerClass(WeightHolder);

const layerName = (variable: string): string => variable.replace(/\//g, '__');

function buildModel(shapes: Shapes): import('@tensorflow/tfjs').Sequential {
  const model = tf.sequential();
  Object.entries(shapes).forEach(([name, shape], i) =>
    model.add(new WeightHolder({ shape, name: layerName(name), ...(i === 0 ? { inputShape: [1] } : {}) })),
  );
  return model;
}

/** The checkpoint's object tree (root.params.<path>) over the model's weights, for Checkpoint({ root }). */
function treeOf(model: import('@tensorflow/tfjs').LayersModel, shapes: Shapes): object {
  const params: Record<string, unknown> = {};
  for (const name of Object.keys(shapes)) {
    const parts = name.split('/');
    let node = params;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = model.getLayer(layerName(name)).weights[0];
  }
  return { params };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** As bench/run.ts: a collection, a warm-up, then timed runs; `after` (untimed) releases what a run made. */
async function timeRuns<T>(fn: () => Promise<T>, after: (made: T) => void = () => undefined): Promise<number[]> {
  global.gc?.();
  after(await fn());
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const made = await fn();
    times.push((performance.now() - t) / 1000);
    after(made);
  }
  return times;
}

/** Every weight handed to TensorFlow: tfjs-node keeps a new value in JS memory until an op first reads it. */
function materialize(model: import('@tensorflow/tfjs').LayersModel): void {
  tf.tidy(() => model.weights.forEach((w) => tf.reshape(w.read(), [-1])));
}

async function main(): Promise<void> {
  setLogger({ warn: () => undefined });
  const shapes = (JSON.parse(fs.readFileSync(path.join(DIR, 'shapes.json'), 'utf8')) as { large: Shapes }).large;
  const large = path.join(DIR, 'large', 'ckpt');
  const tfjsDir = path.join(DIR, 'large-tfjs-node');
  const modelJson = path.join(tfjsDir, 'model.json');

  const model = buildModel(shapes);
  const ckpt = new Checkpoint({ root: treeOf(model, shapes) });
  (await ckpt.restore(large)).assertExistingObjectsMatched();
  if (!fs.existsSync(path.join(tfjsDir, 'weights.bin'))) {
    fs.mkdirSync(tfjsDir, { recursive: true });
    await model.save(`file://${tfjsDir}`);
  }
  const topology = (JSON.parse(fs.readFileSync(modelJson, 'utf8')) as { modelTopology: object }).modelTopology;

  // The two loaders must produce the same values: compare one variable's bytes.
  const probe = layerName(Object.keys(shapes)[1]!);
  const loaded = await tf.loadLayersModel(`file://${modelJson}`);
  const same = Buffer.from((await loaded.getLayer(probe).weights[0]!.read().data()).buffer).equals(
    Buffer.from((await model.getLayer(probe).weights[0]!.read().data()).buffer),
  );
  loaded.dispose();
  if (!same) throw new Error(`${probe}: tf.loadLayersModel and the checkpoint restore disagree`);

  const restore = await timeRuns(async () => {
    (await ckpt.restore(large)).assertExistingObjectsMatched();
  });
  const restoreUsed = await timeRuns(async () => {
    (await ckpt.restore(large)).assertExistingObjectsMatched();
    materialize(model);
  });
  model.dispose();
  const dispose = (m: import('@tensorflow/tfjs').LayersModel): void => void m.dispose();
  // What tf.loadLayersModel does, with the checkpoint: the model from its JSON (zero weights), then the restore.
  const buildAndRestore = await timeRuns(async () => {
    const m = await tf.models.modelFromJSON({ modelTopology: topology } as never);
    (await new Checkpoint({ root: treeOf(m, shapes) }).restore(large)).assertExistingObjectsMatched();
    return m;
  }, dispose);
  const loadLayersModel = await timeRuns(() => tf.loadLayersModel(`file://${modelJson}`), dispose);
  const loadLayersModelUsed = await timeRuns(async () => {
    const m = await tf.loadLayersModel(`file://${modelJson}`);
    materialize(m);
    return m;
  }, dispose);
  const binding = (tf.backend() as unknown as { binding: { TF_Version: string } }).binding;
  emit({
    backend: tf.getBackend(),
    tensorflow: binding.TF_Version,
    tfjsNode: (tf.version as Record<string, string>)['tfjs-node'],
    seconds: { restore, restoreUsed, buildAndRestore, loadLayersModel, loadLayersModelUsed },
    medians: {
      restore: median(restore),
      restoreUsed: median(restoreUsed),
      buildAndRestore: median(buildAndRestore),
      loadLayersModel: median(loadLayersModel),
      loadLayersModelUsed: median(loadLayersModelUsed),
    },
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
