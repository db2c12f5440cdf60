/** The command line: output, exit codes and errors, run in-process through its main(). */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { EXAMPLE_CHECKPOINT, EXAMPLE_DIR } from '../src/cli/main';
import { CORPUS_DIR, corpusAvailable, FIXTURES_DIR, listCheckpointDirs } from './helpers/shared';
import { runCli as run } from './helpers/cli';
import { readExpectedPredictions } from './helpers/json';
import { loadConverted } from './helpers/converted_model';

/** What `inspect --json` and `tree --json` print, as far as these tests read it. */
interface InspectJson {
  tensors: Array<{ key: string; value?: unknown }>;
  objectGraphNodeCount: number | null;
}
interface TreeJson {
  nodes: Array<{ id: number; path: string; slotVariables: Array<{ node: number }>; values: unknown[] }>;
}

describe('tfjs-checkpoint inspect', () => {
  it('prints exactly TensorFlow`s inspect_checkpoint lines, then the object graph', async () => {
    const fixture = listCheckpointDirs(FIXTURES_DIR).find((f) => f.name === 'tf1-slots')!;
    const { code, out } = await run(['inspect', fixture.prefix]);
    expect(code).toBe(0);
    const [tensors, tree] = out.split('\n\n');
    expect(tensors!.split('\n')).toEqual(fixture.oracle!.inspect_lines);
    expect(tree).toContain('Object graph (');
    expect(tree).toMatch(
      /├─ model #\d+\n│  ├─ v #\d+  float32\[3\] 12 B  model\/v\/.ATTRIBUTES\/VARIABLE_VALUE\n│  └─ w #\d+  float32\[2,2\] 16 B  model\/w\/\.ATTRIBUTES\/VARIABLE_VALUE/,
    );
    expect(tree).toMatch(/slot 'm' for \(root\)\.model\.v #\d+  float32\[3\] 12 B/);
  });

  (corpusAvailable() ? it : it.skip)('matches TensorFlow on every shared checkpoint it can read', async () => {
    for (const c of listCheckpointDirs(CORPUS_DIR).filter((x) => x.oracle?.inspect_lines)) {
      const { code, out } = await run(['inspect', c.prefix]);
      expect([c.name, code]).toEqual([c.name, 0]);
      expect(out.split('\n\n')[0]!.trimEnd().split('\n')).toEqual(c.oracle!.inspect_lines);
    }
  });

  it('inspects the bundled example when no path is given', async () => {
    const { code, out, err } = await run(['inspect']);
    expect(code).toBe(0);
    expect(err).toBe(`No PATH given: inspecting the bundled example ${EXAMPLE_CHECKPOINT}\n`);
    expect(out).toContain('model/_operations/1/_kernel/.ATTRIBUTES/VARIABLE_VALUE (DT_FLOAT) [4,8]\n');
    expect(out).toContain(
      '│  │  ├─ 1 #14\n│  │  │  ├─ _kernel #23  float32[4,8] 128 B  model/_operations/1/_kernel/.ATTRIBUTES/VARIABLE_VALUE\n',
    );
  });

  it('says so for a name-based checkpoint', async () => {
    const { code, out } = await run(['inspect', path.join(FIXTURES_DIR, 'name-based', 'model.ckpt')]);
    expect(code).toBe(0);
    expect(out).toContain('partitioned (DT_FLOAT) [4,6]\n');
    expect(out).toContain('No object graph: a name-based (TF1) checkpoint.');
  });

  it('refuses to draw the tree of a name-based checkpoint with TensorFlow`s NotObjectBasedError text', async () => {
    const prefix = path.join(FIXTURES_DIR, 'name-based', 'model.ckpt');
    const { code, out, err } = await run(['tree', prefix]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(
      `tfjs-checkpoint: The specified checkpoint "${prefix}" does not appear to be object-based (saved with TF2) since it is ` +
        'missing the key "_CHECKPOINTABLE_OBJECT_GRAPH". Likely it was created with the TF1 name-based saver and does not ' +
        'contain an object dependency graph.\n',
    );
  });

  it('fails with one line on stderr and exit code 2', async () => {
    const missing = path.join(FIXTURES_DIR, 'nope');
    const { code, out, err } = await run(['inspect', missing]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(
      `tfjs-checkpoint: Unsuccessful TensorSliceReader constructor: Failed to find any matching files for ${missing}\n`,
    );
    expect((await run(['bogus'])).code).toBe(2);
  });
});

describe('tfjs-checkpoint inspect flags (inspect_checkpoint`s)', () => {
  const prefix = path.join(FIXTURES_DIR, 'dtypes', 'ckpt');

  it('--tensor prints the value as numpy does', async () => {
    const { code, out } = await run(['inspect', prefix, '--tensor', 'zoo/int16/.ATTRIBUTES/VARIABLE_VALUE']);
    expect(code).toBe(0);
    expect(out).toBe('tensor_name:  zoo/int16/.ATTRIBUTES/VARIABLE_VALUE\n[-32768  32767      5]\n');
  });

  it('--all-tensor-names and --all-tensors list every key (values for readable ones)', async () => {
    const names = await run(['inspect', prefix, '--all-tensor-names']);
    expect(names.out.split('\n').filter(Boolean)).toHaveLength(26);
    expect(names.out).toContain('tensor_name:  zoo/bool/.ATTRIBUTES/VARIABLE_VALUE\n');
    const all = await run(['inspect', path.join(FIXTURES_DIR, 'seed-children', 'tf_ckpts-1'), '--all-tensors']);
    expect(all.out).toContain('tensor_name:  leaf/vars/1/.ATTRIBUTES/VARIABLE_VALUE\n2.0\n');
  });

  (corpusAvailable() ? it : it.skip)(
    'names tensors it lists but cannot decode (a tf.data iterator`s variant state)',
    async () => {
      const prefix = path.join(CORPUS_DIR, 'tfckpt-guide-net-iterator', 'ckpt-40');
      const key = 'iterator/.ATTRIBUTES/ITERATOR_STATE';
      const text = await run(['inspect', prefix, '--tensor', key]);
      expect(text.code).toBe(0);
      expect(text.out).toMatch(new RegExp(`^tensor_name:  ${key}\n<unreadable: .*variant.*>\n$`));
      const json = JSON.parse((await run(['inspect', prefix, '--json', '--tensor', key])).out) as InspectJson;
      expect(json.tensors).toEqual([
        expect.objectContaining({ key, dtype: 'variant', unreadable: expect.stringMatching(/variant/) as unknown }),
      ]);
      expect(json.tensors[0]!.value).toBeUndefined();
    },
  );

  it('--json is stable and complete', async () => {
    const { code, out } = await run([
      'inspect',
      path.join(FIXTURES_DIR, 'seed-children', 'tf_ckpts-1'),
      '--json',
      '--tensor',
      'a_var/.ATTRIBUTES/VARIABLE_VALUE',
    ]);
    expect(code).toBe(0);
    const json = JSON.parse(out) as InspectJson;
    expect(json.tensors).toEqual([
      {
        key: 'a_var/.ATTRIBUTES/VARIABLE_VALUE',
        dtype: 'float32',
        shape: [],
        bytes: 4,
        shard: 0,
        offset: 0,
        sliced: false,
        value: { dtype: 'float32', shape: [], values: [5] },
      },
    ]);
    expect(json.objectGraphNodeCount).toBe(13);
    expect(json).not.toHaveProperty('objectGraph');
  });

  it('--json names the object graph`s size as a count, the node count TensorFlow`s CheckpointView gives', async () => {
    for (const name of ['seed-children', 'tf1-slots', 'shared-cycles']) {
      const fixture = listCheckpointDirs(FIXTURES_DIR).find((f) => f.name === name);
      if (fixture?.oracle?.num_nodes === undefined)
        throw new Error(`fixture ${name} or its oracle's num_nodes is missing`);
      const streamed = JSON.parse((await run(['inspect', fixture.prefix, '--json'])).out) as {
        objectGraphNodeCount: unknown;
      };
      expect([name, streamed.objectGraphNodeCount]).toEqual([name, fixture.oracle.num_nodes]);
    }
    const nameBased = listCheckpointDirs(FIXTURES_DIR).find((f) => f.name === 'name-based');
    if (nameBased === undefined) throw new Error('fixture name-based is missing');
    expect(
      (JSON.parse((await run(['inspect', nameBased.prefix, '--json'])).out) as InspectJson).objectGraphNodeCount,
    ).toBeNull();
  });
});

describe('tfjs-checkpoint tree', () => {
  it('prints the tree, and JSON with paths, values and slots', async () => {
    const prefix = path.join(FIXTURES_DIR, 'tf1-slots', 'ckpt');
    expect((await run(['tree', prefix])).out).toMatch(/^\(root\) #0\n├─ adam #1/);
    const json = JSON.parse((await run(['tree', prefix, '--json'])).out) as TreeJson;
    const adam = json.nodes.find((n) => n.path === '(root).adam');
    expect(adam?.slotVariables.length).toBe(4);
    const slot = json.nodes[adam!.slotVariables[0]!.node]!;
    expect(slot.path).toBe("(root).adam's state 'm' for (root).model.v");
    expect(slot.values[0]).toMatchObject({ attribute: 'VARIABLE_VALUE', dtype: 'float32', shape: [3], bytes: 12 });
  });

  it('--json paths are TensorFlow`s paths written as the text output writes them, from (root)', async () => {
    const fixture = listCheckpointDirs(FIXTURES_DIR).find((f) => f.name === 'tf1-slots');
    const tfPaths = fixture?.oracle?.paths;
    if (fixture === undefined || tfPaths === undefined)
      throw new Error('fixture tf1-slots or its oracle paths are missing');
    const json = JSON.parse((await run(['tree', fixture.prefix, '--json'])).out) as TreeJson;
    // CheckpointView._descendants_with_paths names the root `root`; the command line names it `(root)` everywhere.
    const expected = tfPaths.map(([id, p]) => [id, p.replace(/^root(?=\.|$)/, '(root)')]);
    expect(json.nodes.filter((n) => expected.some(([id]) => id === n.id)).map((n) => [n.id, n.path])).toEqual(expected);
    expect(json.nodes.filter((n) => n.path !== '(root)' && !n.path.startsWith('(root).'))).toEqual([]);
    const text = (await run(['tree', fixture.prefix])).out;
    expect(text).toContain("slot 'm' for (root).model.v");
    expect(text).not.toMatch(/(^|[^(])root\./m);
  });
});

describe('tfjs-checkpoint diff and convert', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const modelJson = (hidden: number): string => {
    const input = tf.input({ shape: [4] });
    const h = tf.layers.dense({ units: hidden, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    const m = tf.model({
      inputs: input,
      outputs: tf.layers.dense({ units: 3, activation: 'softmax' }).apply(h) as tf.SymbolicTensor,
    });
    const file = path.join(dir, `model-${hidden}.json`);
    fs.writeFileSync(file, JSON.stringify({ modelTopology: m.toJSON(null, false) }));
    return file;
  };

  it('finds where the model sits, reports a full match and exits 0', async () => {
    const { code, out } = await run(['diff', EXAMPLE_DIR, '--model', modelJson(8)]);
    expect(code).toBe(0);
    expect(out).toContain("(placed under 'model')");
    expect(out).toContain('Matched (5)'); // the four weights and save_counter
    expect(out).toContain('Only in the checkpoint (10)');
    expect(out).toMatch(/Shape mismatches \(0\)\n  none/);
    expect(out).toContain('Every model weight has a value in the checkpoint.');
  });

  it('reports shape mismatches and exits 1; --json for scripts', async () => {
    const { code, out } = await run(['diff', EXAMPLE_DIR, '--model', modelJson(9), '--json']);
    expect(code).toBe(1);
    const json = JSON.parse(out) as {
      under: string | null;
      shapeMismatches: Array<{ checkpointShape: number[]; liveShape: number[] }>;
    };
    expect(json.under).toBe('model');
    expect(json.shapeMismatches.map((m) => [m.checkpointShape, m.liveShape])).toEqual([
      [
        [4, 8],
        [4, 9],
      ],
      [[8], [9]],
      [
        [8, 3],
        [9, 3],
      ],
    ]);
  });

  it('converts to a tfjs model that tf.loadLayersModel loads and that predicts like Keras', async () => {
    const outDir = path.join(dir, 'converted');
    const { code, out } = await run([
      'convert',
      EXAMPLE_DIR,
      '--model',
      path.join(EXAMPLE_DIR, 'model.json'),
      '--out',
      outDir,
    ]);
    expect(code).toBe(0);
    expect(out).toMatch(/^Restored 5 values into .*model\.json; wrote .*model\.json and .*weights\.bin\n$/);
    const model = await loadConverted(outDir);
    const expected = readExpectedPredictions(path.join(EXAMPLE_DIR, 'expected.json'));
    const predictions = (await (model.predict(tf.tensor(expected.input)) as tf.Tensor).array()) as number[][];
    predictions.flat().forEach((p, i) => expect(Math.abs(p - expected.predictions.flat()[i]!)).toBeLessThan(1e-5));
  });

  it('rejects bad arguments with exit code 2 and one line', async () => {
    expect((await run(['diff', EXAMPLE_DIR])).code).toBe(2);
    const missing = await run(['diff', EXAMPLE_DIR, '--model', path.join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`tfjs-checkpoint: ${path.join(dir, 'nope.json')}: No such file or directory\n`);
  });

  it('demo (npm start) inspects, diffs, restores and predicts', async () => {
    const { code, out } = await run(['demo']);
    expect(code).toBe(0);
    expect(out).toContain('== 3. restore it into the tfjs model and predict');
    expect(out).toMatch(/tfjs  \[0\.380293, 0\.484529, 0\.135178\]\nKeras \[0\.380293, 0\.484529, 0\.135178\]/);
  });

  it('--verbose names the backend the model commands run on, once (tfjs-node`s in the tensorflow test project)', async () => {
    const { code, err } = await run(['demo', '--verbose']);
    expect(code).toBe(0);
    const lines = err.split('\n').filter((l) => l.startsWith('tfjs backend: '));
    expect(lines).toHaveLength(1);
    if (tf.getBackend() === 'tensorflow') {
      expect(lines[0]).toMatch(
        /^tfjs backend: tensorflow \(@tensorflow\/tfjs-node 4\.\d+\.\d+, TensorFlow 2\.\d+\.\d+\)$/,
      );
    } else {
      // The cpu test project hides tfjs-node (test/helpers/no_tfjs_node.js): the line says why it was not used.
      expect(lines[0]).toMatch(
        /^tfjs backend: cpu \(@tensorflow\/tfjs 4\.\d+\.\d+\); @tensorflow\/tfjs-node not used: Cannot find module/,
      );
    }
    expect((await run(['--verbose', 'inspect', EXAMPLE_CHECKPOINT])).err).not.toContain('tfjs backend');
  });
});

describe('command-line hygiene', () => {
  const CLI = path.resolve(__dirname, '..', 'dist', 'cli', 'main.js');
  const cli = (args: string[], input?: string): ReturnType<typeof spawnSync> =>
    spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" ${args.map((a) => `'${a}'`).join(' ')}${input ?? ''}`], {
      encoding: 'utf8',
    });

  it('--version prints the package version', () => {
    const r = cli(['--version']);
    expect(r.status).toBe(0);
    expect(String(r.stdout).trim()).toBe(
      (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
        .version,
    );
  });

  it('ends quietly when the reader closes the pipe (| head)', () => {
    const r = cli(['inspect', EXAMPLE_CHECKPOINT, '--all-tensors'], ' | head -c 10; exit ${PIPESTATUS[0]}');
    expect(String(r.stderr)).not.toMatch(/EPIPE|Error/);
    expect(r.status).toBe(0);
  });

  it('prints no tfjs banner in diff', () => {
    const r = cli(['diff', EXAMPLE_CHECKPOINT, '--model', path.join(EXAMPLE_DIR, 'model.json')]);
    expect(r.status).toBe(0);
    expect(`${String(r.stdout)}${String(r.stderr)}`).not.toMatch(/looks like you are running TensorFlow\.js/);
  });

  it('rejects --under naming no child of the root', async () => {
    const { code, err } = await run([
      'diff',
      EXAMPLE_CHECKPOINT,
      '--model',
      path.join(EXAMPLE_DIR, 'model.json'),
      '--under',
      'nothere',
    ]);
    expect(code).toBe(2);
    expect(err).toMatch(
      /--under 'nothere': the checkpoint's root has no child of that name \(it has 'model', 'save_counter'\)/,
    );
  });
});
