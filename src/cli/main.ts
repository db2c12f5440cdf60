#!/usr/bin/env node
/**
 * The `tfjs-checkpoint` command: a thin shell over the public API.
 *
 *   inspect PATH [--tensor NAME] [--all-tensors] [--all-tensor-names] [--json]
 *   tree PATH [--json]
 *   diff PATH --model MODEL [--under NAME] [--json]
 *   convert PATH --model MODEL --out DIR [--under NAME]
 *   convert MODEL.keras --out DIR            (the topology from the archive's config.json)
 * PATH may also be a Keras weights file: .weights.h5, .keras or a legacy .h5.
 *   demo
 *   --verbose (any command): say which tfjs backend the model commands run on
 *
 * MODEL: a Keras 3 model.to_json() or .keras archive, a Keras 2 JSON, or a tfjs model.json.
 *
 * Exit codes: 0 ok, 1 mismatch (diff: values that would not restore), 2 error (one line on stderr).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { SingleBar } from 'cli-progress';
import { Command, Option } from 'commander';

import {
  Checkpoint,
  CheckpointError,
  CheckpointReader,
  CheckpointView,
  type Comparison,
  InternalError,
  compareWithCheckpoint,
  type TensorValue,
  type ValueSource,
  withValueSource,
} from '../index';
import * as api from '../index';
// The CLI is Node, where size does not matter: it takes Keras files and models everywhere (the Keras entry).
import { loadKerasModel } from '../keras';
import { displayText } from './display_text';
import { objectTreeLines, tensorListing, treeJson } from './format';
import { JsonSink, jsonPieces, LazyJsonArray } from './json_stream';
import { formatNumpy } from './numpy_format';
import { backendDescription, loadModelJson, loadTf, saveModelJson } from './tfjs_model';

/** The example checkpoint shipped with the package, inspected when no path is given. */
export const EXAMPLE_DIR = path.resolve(__dirname, '..', '..', 'examples', 'data', 'mlp');
export const EXAMPLE_CHECKPOINT = path.join(EXAMPLE_DIR, 'ckpt-1');

export const EXIT_OK = 0;
export const EXIT_MISMATCH = 1;
export const EXIT_ERROR = 2;

const out = (s: string): void => void process.stdout.write(s);

/** Set by --verbose for the command being run; `announced` once its backend line is out (demo runs diff too). */
let verbose = false;
let announced = false;

/** tfjs for a model command; with --verbose, names its backend on stderr once (tfjs-node's when it loads). */
function tfForModel(): ReturnType<typeof loadTf> {
  const tf = loadTf();
  if (verbose && !announced) process.stderr.write(`${backendDescription()}\n`);
  announced ||= verbose;
  return tf;
}

/** JSON for values: bigints as strings, bytes as base64 — stable across runs; elements made as they are written. */
function valueJson(v: TensorValue): unknown {
  const data = v.data as ArrayLike<number | bigint | Uint8Array>;
  const element = (i: number): unknown => {
    const x = data[i];
    if (x === undefined) throw new InternalError(`value ${i} of ${data.length} is missing`);
    return typeof x === 'bigint'
      ? x.toString()
      : x instanceof Uint8Array
        ? Buffer.from(x.buffer, x.byteOffset, x.length).toString('base64')
        : x;
  };
  const values = new LazyJsonArray(data.length, element);
  return { dtype: v.dtype, shape: v.shape, ...(v.dtype === 'string' ? { base64: values } : { values }) };
}

interface InspectOptions {
  tensor?: string;
  allTensors?: boolean;
  allTensorNames?: boolean;
  json?: boolean;
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

async function inspect(target: string | undefined, opts: InspectOptions): Promise<number> {
  const file = target ?? EXAMPLE_CHECKPOINT;
  if (target === undefined) process.stderr.write(`No PATH given: inspecting the bundled example ${file}\n`);
  if (!(await isBundle(file))) return withValueSource(file, {}, (source) => inspectSource(source, opts));
  const reader = await CheckpointReader.open(file);
  try {
    const keys = opts.tensor !== undefined ? [opts.tensor.replace(/:0$/, '')] : reader.keys();
    const withValues = opts.tensor !== undefined || opts.allTensors === true;
    if (opts.json) {
      // Streamed tensor by tensor and value by value (see json_stream.ts); the layout is JSON.stringify's.
      const sink = new JsonSink(process.stdout);
      await sink.write(
        `{\n  "prefix": ${JSON.stringify(reader.prefix)},\n  "numShards": ${reader.header.numShards},\n  "tensors": [`,
      );
      for (const [i, key] of keys.entries()) {
        const e = reader.entry(key);
        const item: Record<string, unknown> = {
          key,
          dtype: e.dtype,
          shape: e.shape,
          bytes: e.size,
          shard: e.shardId,
          offset: e.offset,
          sliced: e.slices.length > 0,
        };
        if (withValues) {
          const value = await readIfSupported(reader, key);
          if (typeof value === 'string') item['unreadable'] = value;
          else item['value'] = valueJson(value);
        }
        await sink.write(i === 0 ? '\n    ' : ',\n    ');
        await sink.writeAll(jsonPieces(item, '    '));
      }
      await sink.write(keys.length === 0 ? ']' : '\n  ]');
      const graph = await reader.objectGraph();
      // A count, named as one: `tree --json` is the command that lists the nodes.
      await sink.write(`,\n  "objectGraphNodeCount": ${graph ? graph.numNodes : 'null'}`);
      await sink.write('\n}\n');
      await sink.flush();
      return EXIT_OK;
    }
    if (opts.tensor !== undefined || opts.allTensors || opts.allTensorNames) {
      // TensorFlow's inspect_checkpoint: print("tensor_name: ", key) then the numpy value.
      for (const key of keys) {
        out(`tensor_name:  ${displayText(key)}\n`);
        if (!withValues) continue;
        const value = await readIfSupported(reader, key);
        out(typeof value === 'string' ? `<unreadable: ${value}>\n` : `${formatNumpy(value)}\n`);
      }
      return EXIT_OK;
    }
    out(tensorListing(reader));
    const graph = await reader.objectGraph();
    if (graph === null) {
      out('\nNo object graph: a name-based (TF1) checkpoint.\n');
      return EXIT_OK;
    }
    const view = CheckpointView.fromObjectGraph(graph);
    out(`\nObject graph (${view.numNodes} nodes):\n${objectTreeLines(reader, view).join('\n')}\n`);
    return EXIT_OK;
  } finally {
    await reader.close();
  }
}

/** Whether `path` is read as a TensorFlow checkpoint rather than by a registered opener (Keras's files). */
async function isBundle(path: string): Promise<boolean> {
  return api.valueSourceOpenerFor(path) === undefined;
}

/** inspect for value sources that are not tensor bundles: keys, dtypes, shapes, values and the object tree. */
async function inspectSource(source: ValueSource, opts: InspectOptions): Promise<number> {
  const keys = opts.tensor !== undefined ? [opts.tensor.replace(/:0$/, '')] : source.keys();
  const withValues = opts.tensor !== undefined || opts.allTensors === true;
  if (opts.json) {
    const tensors = [];
    for (const key of keys) {
      const e = source.entry(key);
      const item: Record<string, unknown> = { key, dtype: e.dtype, shape: e.shape, bytes: e.size };
      if (withValues) {
        const value = await readIfSupported(source, key);
        if (typeof value === 'string') item['unreadable'] = value;
        else item['value'] = valueJson(value);
      }
      tensors.push(item);
    }
    const graph = await source.objectGraph();
    out(
      `${JSON.stringify({ prefix: source.prefix, tensors, objectGraphNodeCount: graph ? graph.nodes.length : null }, null, 2)}\n`,
    );
    return EXIT_OK;
  }
  if (opts.tensor !== undefined || opts.allTensors || opts.allTensorNames) {
    for (const key of keys) {
      out(`tensor_name:  ${key}\n`);
      if (!withValues) continue;
      const value = await readIfSupported(source, key);
      out(typeof value === 'string' ? `<unreadable: ${value}>\n` : `${formatNumpy(value)}\n`);
    }
    return EXIT_OK;
  }
  for (const key of keys) {
    const e = source.entry(key);
    out(`${key} (${e.dtype}) [${e.shape.join(',')}]\n`);
  }
  const graph = await source.objectGraph();
  if (graph !== null) {
    const view = CheckpointView.fromObjectGraph(graph);
    out(`\nObject graph (${view.numNodes} nodes):\n${objectTreeLines(source, view).join('\n')}\n`);
  }
  return EXIT_OK;
}

/** A tensor's value, or why it cannot be read (dtypes that are listed but not decoded: variant, resource, …). */
async function readIfSupported(reader: ValueSource, key: string): Promise<TensorValue | string> {
  try {
    return await reader.getTensor(key);
  } catch (err) {
    if (!(err instanceof CheckpointError) || err.code !== 'UNSUPPORTED') throw err;
    return err.message;
  }
}

async function tree(target: string, opts: { json?: boolean }): Promise<number> {
  const reader = await api.openValueSource(target);
  try {
    const view = await CheckpointView.fromValueSource(reader, target);
    if (opts.json) out(`${JSON.stringify(treeJson(reader, view), null, 2)}\n`);
    else out(`${objectTreeLines(reader, view).join('\n')}\n`);
    return EXIT_OK;
  } finally {
    await reader.close();
  }
}

/**
 * Where in the checkpoint the model sits: as its root (Keras save_weights) or under one of the root's children
 * (tf.train.Checkpoint(model=…)). `under` forces it; otherwise the placement matching the most values wins.
 */
async function placeModel(
  model: object,
  file: string,
  under: string | undefined,
): Promise<{ root: object; under: string | null; comparison: Comparison }> {
  const candidates: Array<string | null> = [];
  if (under !== undefined && under !== '' && (await isBundle(file))) {
    const children = (await CheckpointView.open(file)).children(0);
    if (!children.has(under)) {
      const names = [...children.keys()].map((n) => `'${displayText(n)}'`).join(', ');
      throw new CheckpointError(
        'INVALID_ARGUMENT',
        `--under '${displayText(under)}': the checkpoint's root has no child of that name (it has ${names || 'none'})`,
        { file },
      );
    }
  }
  if (under !== undefined) candidates.push(under === '' ? null : under);
  // A Keras weights file's root is the model.
  else if (!(await isBundle(file))) candidates.push(null);
  else {
    const view = await CheckpointView.open(file);
    const children = [...view.children(0).keys()];
    const named = children.filter((name) => name !== 'save_counter' && name !== 'root');
    // The likelier placement first (a full comparison of a large model takes a while): the root when it holds
    // Keras model children itself, else the root's named children.
    if (children.some((name) => /^(_operations|_functional|layer_with_weights-\d+|layer-\d+)$/.test(name)))
      candidates.push(null, ...named);
    else candidates.push(...named, null);
  }
  let best: { root: object; under: string | null; comparison: Comparison } | null = null;
  for (const c of candidates) {
    const root = c === null ? model : new Checkpoint({ [c]: model });
    const comparison = await compareWithCheckpoint(root, file);
    if (best === null || comparison.matched.length > best.comparison.matched.length)
      best = { root, under: c, comparison };
    // Every model weight found a value: no other placement can do better.
    if (comparison.matched.length > 0 && comparison.onlyInLive.length === 0 && comparison.shapeMismatches.length === 0)
      break;
  }
  // `candidates` always holds the root (null), so the loop ran.
  if (best === null) throw new InternalError(`${file}: no placement of the model was compared`, { file });
  return best;
}

const shape = (s: readonly number[]): string => `[${s.join(',')}]`;

function diffTable(c: Comparison, file: string, modelFile: string, under: string | null): string {
  const lines = [
    `Checkpoint ${file} against model ${modelFile}${under ? ` (placed under '${under}')` : ' (as the root)'}`,
    '',
  ];
  const section = (title: string, rows: string[][]): void => {
    lines.push(`${title} (${rows.length})`);
    if (rows.length === 0) {
      lines.push('  none', '');
      return;
    }
    const columns = Math.max(...rows.map((r) => r.length));
    const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    for (const r of rows)
      lines.push(
        `  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd(),
      );
    lines.push('');
  };
  section(
    'Matched',
    c.matched.map((m) => [m.path, `${m.dtype}${shape(m.shape)}`, `→ ${m.target}`]),
  );
  section(
    'Shape mismatches',
    c.shapeMismatches.map((m) => [
      m.path,
      `checkpoint ${shape(m.checkpointShape)}`,
      `model ${shape(m.liveShape)}`,
      m.target,
    ]),
  );
  section(
    'Only in the checkpoint',
    c.onlyInCheckpoint.map((m) => [m.path, `${m.dtype}${shape(m.shape)}`, m.key]),
  );
  section(
    'Only in the model',
    c.onlyInLive.map((m) => [m.path, shape(m.shape), m.target]),
  );
  const ok = c.shapeMismatches.length === 0 && c.onlyInLive.length === 0;
  lines.push(
    ok ? 'Every model weight has a value in the checkpoint.' : 'The checkpoint does not fully fit this model.',
  );
  return `${lines.join('\n')}\n`;
}

async function diff(file: string, opts: { model: string; under?: string; json?: boolean }): Promise<number> {
  tfForModel();
  const model = await loadModelJson(opts.model);
  const placed = await placeModel(model, file, opts.under);
  const c = placed.comparison;
  if (opts.json)
    out(`${JSON.stringify({ checkpoint: file, model: opts.model, under: placed.under, ...c }, null, 2)}\n`);
  else out(diffTable(c, file, opts.model, placed.under));
  return c.shapeMismatches.length === 0 && c.onlyInLive.length === 0 ? EXIT_OK : EXIT_MISMATCH;
}

/** A progress bar on stderr for work that lasts more than a second, only when stderr is a terminal. */
function progressBar(label: string): { update(done: number, total: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const started = Date.now();
  let bar: SingleBar | null = null;
  return {
    update(done, total) {
      if (bar === null && Date.now() - started > 1000) {
        bar = new SingleBar({
          format: `${label} [{bar}] {percentage}% {value}/{total} MB`,
          stream: process.stderr,
          hideCursor: true,
        });
        bar.start(Math.ceil(total / 1e6), 0);
      }
      bar?.update(Math.floor(done / 1e6));
    },
    stop() {
      bar?.stop();
    },
  };
}

/**
 * convert MODEL.keras --out DIR: the archive alone, its config.json as the topology (loadKerasModel, from the Keras
 * 3 topology support) and its model.weights.h5 as the weights, restored like any other file.
 */
async function convertArchive(file: string, outDir: string): Promise<number> {
  if (!/\.keras$/i.test(file)) {
    throw new CheckpointError(
      'INVALID_ARGUMENT',
      `convert needs --model MODEL.json unless PATH is a .keras archive (whose config.json is the topology): ${file}`,
      { file },
    );
  }
  // The archive's weights are restored below, by loadWeights, for its report.
  const model = await loadKerasModel(file, { archiveWeights: () => undefined });
  const status = await api.loadWeights(model, file, { expectPartial: true });
  const written = await saveModelJson(model, outDir);
  out(`Restored ${status.report().restored.length} values from ${file}; wrote ${written.join(' and ')}\n`);
  return EXIT_OK;
}

async function convert(file: string, opts: { model?: string; out: string; under?: string }): Promise<number> {
  tfForModel();
  if (opts.model === undefined) return convertArchive(file, opts.out);
  const model = await loadModelJson(opts.model);
  const placed = await placeModel(model, file, opts.under);
  const bar = progressBar('Restoring');
  try {
    const ckpt = new Checkpoint(placed.under === null ? { root: model } : { [placed.under]: model });
    const status = await ckpt.restore(file, { expectPartial: true, onProgress: (d, t) => bar.update(d, t) });
    bar.stop();
    const report = status.report();
    const written = await saveModelJson(model, opts.out);
    out(`Restored ${report.restored.length} values into ${opts.model}; wrote ${written.join(' and ')}\n`);
    if (report.liveVariablesWithoutValue.length > 0) {
      process.stderr.write(
        `warning: ${report.liveVariablesWithoutValue.length} model weights had no value in the checkpoint and keep their initial values\n`,
      );
    }
    return EXIT_OK;
  } finally {
    bar.stop();
  }
}

async function demo(): Promise<number> {
  const tf = tfForModel();
  out('== 1. inspect the bundled checkpoint (a Keras 3 model trained in TensorFlow)\n');
  await inspect(EXAMPLE_CHECKPOINT, {});
  const modelFile = path.join(EXAMPLE_DIR, 'model.json');
  out(`\n== 2. diff it against the same model defined in tfjs (${modelFile})\n`);
  await diff(EXAMPLE_DIR, { model: modelFile });
  out('\n== 3. restore it into the tfjs model and predict\n');
  const model = await loadModelJson(modelFile);
  const status = (await new Checkpoint({ model }).restore(EXAMPLE_DIR)).expectPartial();
  out(`restored ${status.report().restored.length} values\n`);
  const expected = JSON.parse(fs.readFileSync(path.join(EXAMPLE_DIR, 'expected.json'), 'utf8')) as {
    input: number[][];
    predictions: number[][];
  };
  const predictions = (await (
    model.predict(tf.tensor(expected.input)) as import('@tensorflow/tfjs').Tensor
  ).array()) as number[][];
  const fmt = (v: readonly number[]): string => `[${v.map((x) => x.toFixed(6)).join(', ')}]`;
  for (const [i, p] of predictions.entries()) out(`tfjs  ${fmt(p)}\nKeras ${fmt(expected.predictions[i] ?? [])}\n`);
  return EXIT_OK;
}

/** The installed package's version, from its package.json (dist/cli/main.js sits two folders below it). */
function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.resolve(__dirname, '..', '..', 'package.json')) as { version: string }).version;
}

export function buildProgram(exit: { code: number }): Command {
  const program = new Command('tfjs-checkpoint')
    .description('Inspect, compare and convert TensorFlow 2 checkpoints without Python.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride()
    .option(
      '--verbose',
      'say which tfjs backend (tensorflow through @tensorflow/tfjs-node, or cpu) runs the model commands',
    )
    .hook('preAction', (root) => {
      verbose = root.opts<{ verbose?: boolean }>().verbose === true;
      announced = false;
    });
  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      exit.code = await fn(...args);
    };
  program
    .command('inspect')
    .description('list every tensor (as TensorFlow inspect_checkpoint) and print the object graph as a tree')
    .argument(
      '[path]',
      'checkpoint prefix, directory with a `checkpoint` file, or SavedModel directory (default: bundled example)',
    )
    .option('--tensor <name>', 'print one tensor`s value, as numpy prints it')
    .option('--all-tensors', 'print every tensor`s value')
    .option('--all-tensor-names', 'print every tensor name')
    .option('--json', 'machine-readable output')
    .action(run((p: string | undefined, o: InspectOptions) => inspect(p, o)));
  program
    .command('tree')
    .description('the object graph as a tree: paths, dtypes, shapes, bytes, slot variables, which nodes hold values')
    .argument('<path>', 'checkpoint')
    .option('--json', 'machine-readable output')
    .action(run((p: string, o: { json?: boolean }) => tree(p, o)));
  program
    .command('diff')
    .description('compare a checkpoint with a tfjs model: what matches, what is only on one side, shape mismatches')
    .argument('<path>', 'checkpoint')
    .requiredOption(
      '--model <file>',
      'the model: Keras 3 model.to_json() or .keras archive, Keras 2 JSON, or tfjs model.json (weights optional)',
    )
    .addOption(
      new Option(
        '--under <name>',
        "the checkpoint child the model was saved as (e.g. 'model'); default: found automatically",
      ),
    )
    .option('--json', 'machine-readable output')
    .action(run((p: string, o: { model: string; under?: string; json?: boolean }) => diff(p, o)));
  program
    .command('convert')
    .description('restore the checkpoint (or Keras file) into a tfjs model and save it as model.json + weights.bin')
    .argument('<path>', 'checkpoint')
    .option(
      '--model <file>',
      'the model: Keras 3 model.to_json() or .keras archive, Keras 2 JSON, or tfjs model.json (not needed for a .keras archive)',
    )
    .requiredOption('--out <dir>', 'output directory')
    .addOption(
      new Option('--under <name>', 'the checkpoint child the model was saved as; default: found automatically'),
    )
    .action(run((p: string, o: { model?: string; out: string; under?: string }) => convert(p, o)));
  program
    .command('demo')
    .description('inspect the bundled checkpoint, diff it against a tfjs model, restore it and predict')
    .action(run(() => demo()));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const exit = { code: EXIT_OK };
  try {
    await buildProgram(exit).parseAsync(argv, { from: 'user' });
    return exit.code;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return EXIT_OK;
    if (typeof code === 'string' && code.startsWith('commander.')) return EXIT_ERROR;
    const [firstLine = ''] = (err instanceof Error ? err.message : String(err)).split('\n');
    // Messages quote keys from the file: control characters are shown escaped, never sent to the terminal.
    process.stderr.write(
      `tfjs-checkpoint: ${firstLine.replace(CONTROL_CHARACTERS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}\n`,
    );
    return EXIT_ERROR;
  }
}

if (require.main === module) {
  // A reader that stops early (`| head`) closes the pipe: that ends the output, it is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? EXIT_OK);
  });
  // main() reports every failure itself and resolves to the exit code.
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
