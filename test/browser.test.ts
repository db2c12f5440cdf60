/// <reference lib="dom" />
/**
 * Real-browser tests: Debian's headless Chromium (driven by playwright-core, never a downloaded browser) runs an
 * app bundled by esbuild from tfjs-checkpoint's browser build and @tensorflow/tfjs, served by nginx on 127.0.0.1.
 * It reads real TF checkpoints (TF's list_variables and tensor bytes, through tfjs on the CPU and WebGL backends),
 * by prefix and by directory, a 6,000-variable one made by TF at test time, a sliced multi-shard one, File
 * objects of an <input>; counts a partial read's bytes at the server; and checks every fault of the fault server
 * fails cleanly in the page. Skips, saying so, only when Chromium or nginx is missing.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as esbuild from 'esbuild';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

import { type Fault, FaultServer } from './helpers/fault_server';
import { readExpectedPredictions } from './helpers/json';
import { NGINX_BIN, Nginx } from './helpers/nginx';
import { CORPUS_DIR, corpusAvailable, FIXTURES_DIR, type Oracle } from './helpers/shared';
import { TF_PYTHON, tfAvailable, tfJudge } from './helpers/tf';

const ROOT = path.resolve(__dirname, '..');
const CHROMIUM =
  process.env['CHROMIUM_PATH'] ??
  ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p)) ??
  null;
const SKIP =
  CHROMIUM === null
    ? 'Chromium is not installed (apt-get install -y chromium)'
    : NGINX_BIN === null
      ? 'nginx is not installed (apt-get install -y nginx-light)'
      : !corpusAvailable()
        ? 'the ../shared corpus is absent'
        : !fs.existsSync(path.join(ROOT, 'dist', 'esm', 'browser', 'index.mjs'))
          ? 'dist/ is not built (npm run build)'
          : null;
if (SKIP) console.warn(`\nSKIPPED browser.test.ts: ${SKIP}\n`);
const maybe = SKIP ? describe.skip : describe;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-browser-'));
const site = path.join(work, 'site');
const generated = path.join(work, 'generated');
const nginx = new Nginx(
  {
    '/corpus': CORPUS_DIR,
    '/fixtures': FIXTURES_DIR,
    '/examples': path.join(ROOT, 'examples', 'data'),
    '/generated': generated,
    '/keras': path.join(ROOT, 'test', 'fixtures', 'keras'),
  },
  site,
);
const faults = new FaultServer({ '/examples': path.join(ROOT, 'examples', 'data') });
// Undefined when set-up failed before making it.
let context: BrowserContext | undefined;
let page: Page;

/** Builds the test page as an app would: esbuild, platform browser, the package resolved through its exports. */
async function buildPage(): Promise<void> {
  fs.mkdirSync(site, { recursive: true });
  fs.copyFileSync(path.join(__dirname, 'browser', 'index.html'), path.join(site, 'index.html'));
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'browser', 'page.ts')],
    outfile: path.join(site, 'page.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    // The page sits inside the package, so `tfjs-checkpoint` and `tfjs-checkpoint/keras` resolve to it by name through
    // its own `exports` (a package's self-reference), as an installed copy would. Not the project's tsconfig: its
    // `paths` would map the package to its sources.
    tsconfigRaw: {},
    logLevel: 'error',
  });
}

/** A checkpoint of 6,000 variables written by TensorFlow, with TF's oracle of it. */
function generateWide(): Oracle | null {
  if (!tfAvailable()) return null;
  const script = `
import json, os, sys
sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'test', 'fixtures'))})
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, tensorflow as tf
import generate
m = tf.Module()
m.vars = [tf.Variable(np.full((3,), i, dtype=np.float32)) for i in range(6000)]
prefix = tf.train.Checkpoint(m).write(${JSON.stringify(path.join(generated, 'wide6000', 'ckpt'))})
print(json.dumps(generate.oracle(prefix)))
`;
  const out = execFileSync(TF_PYTHON, ['-c', script], {
    encoding: 'utf8',
    env: { ...process.env, TF_ENABLE_ONEDNN_OPTS: '0', TF_CPP_MIN_LOG_LEVEL: '3' },
    maxBuffer: 256 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Oracle;
}

let wideOracle: Oracle | null = null;

beforeAll(async () => {
  if (SKIP) return;
  fs.mkdirSync(generated, { recursive: true });
  wideOracle = generateWide();
  await buildPage();
  execFileSync(process.execPath, [path.join(ROOT, 'examples', 'web', 'build.mjs'), path.join(site, 'example')]);
  await Promise.all([nginx.start(), faults.start()]);
  context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
    executablePath: CHROMIUM!,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
  page = await context.newPage();
  await page.goto(`${nginx.base}/index.html`);
  await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: 30_000 });
}, 180_000);

afterAll(async () => {
  await context?.close();
  await Promise.all([nginx.stop(), faults.stop()]);
  fs.rmSync(work, { recursive: true, force: true });
});

const oracleOf = (dir: string): Oracle =>
  JSON.parse(fs.readFileSync(path.join(dir, '_TF_ORACLE.json'), 'utf8')) as Oracle;

interface ReadAll {
  vars: Array<[string, number[]]>;
  tensors: Array<[string, string]>;
  tfjsDifferent: string[];
  leaked: number;
  backend: string;
}

const readAll = (source: { base: string; path: string } | { files: string }): Promise<ReadAll> =>
  page.evaluate(
    (s) => (window as unknown as { checks: { readAll(x: unknown): Promise<ReadAll> } }).checks.readAll(s),
    source,
  );

const call = <T>(name: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(
    ([n, a]) => (window as unknown as { checks: Record<string, (...x: unknown[]) => Promise<T>> }).checks[n]!(...a),
    [name, args] as const,
  );

function expectOracle(got: ReadAll, oracle: Oracle): void {
  expect(got.vars).toEqual(oracle.list_variables);
  const expected = oracle.tensors!.filter((t) => t.sha256 !== undefined).map((t) => [t.key, t.sha256]);
  expect(got.tensors.filter(([k]) => expected.some(([e]) => e === k))).toEqual(expected);
  expect(got.tfjsDifferent).toEqual([]);
  expect(got.leaked).toBe(0);
}

maybe('in Chromium', () => {
  describe.each(['cpu', 'webgl'])('%s backend', (backend) => {
    beforeAll(async () => {
      expect(await call<string>('setBackend', backend)).toBe(backend);
    });

    it.each([
      ['keras-bilstm-news-sharded', ''],
      ['keras-cnn-rescaling-asl-letters', ''],
      ['keras-float64-dqn-newopt-2024', ''],
      ['tf-bundle-old_string_tensors', '/foo'],
    ])(
      'reads %s%s over HTTP (a directory, or a prefix): TF’s list_variables and bytes, through tfjs tensors',
      async (name, prefix) => {
        expectOracle(
          await readAll({ base: nginx.base, path: `corpus/${name}${prefix}` }),
          oracleOf(path.join(CORPUS_DIR, name)),
        );
      },
    );

    it('restores a model with tf.loadLayersModel(fromCheckpoint(...)), predicting what Keras predicted', async () => {
      const expected = readExpectedPredictions(path.join(ROOT, 'examples', 'data', 'mlp', 'expected.json'));
      const got = await call<number[][]>(
        'loadAndPredict',
        nginx.base,
        'examples/mlp',
        'examples/mlp/model.json',
        expected.input,
      );
      got.forEach((row, i) =>
        row.forEach((v, j) => expect(Math.abs(v - expected.predictions[i]![j]!)).toBeLessThan(1e-5)),
      );
    });
  });

  it('loads a Keras 3 .keras archive (config.json + model.weights.h5) with loadKerasModel and predicts as Keras', async () => {
    const expected = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'keras', 'tiny.json'), 'utf8')) as {
      input: number[][];
      prediction: number[][];
    };
    const got = await call<number[][]>('kerasArchive', `${nginx.base}/keras/tiny.keras`, expected.input);
    got.forEach((row, i) =>
      row.forEach((v, j) => expect(Math.abs(v - expected.prediction[i]![j]!)).toBeLessThan(1e-5)),
    );
  });

  it('reads a sliced multi-shard checkpoint by prefix', async () => {
    expectOracle(
      await readAll({ base: nginx.base, path: 'fixtures/sharded/ckpt' }),
      oracleOf(path.join(FIXTURES_DIR, 'sharded')),
    );
  });

  (tfAvailable() ? it : it.skip)('reads a 6,000-variable checkpoint written by TF at test time', async () => {
    expectOracle(await readAll({ base: nginx.base, path: 'generated/wide6000/ckpt' }), wideOracle!);
  });

  it('reads File objects from an <input type=file multiple>', async () => {
    const dir = path.join(CORPUS_DIR, 'keras-cnn-rescaling-asl-letters');
    await page.setInputFiles(
      '#files',
      fs
        .readdirSync(dir)
        .filter((f) => !f.startsWith('_'))
        .map((f) => path.join(dir, f)),
    );
    expectOracle(await readAll({ files: 'cp.ckpt' }), oracleOf(dir));
  });

  it('reads the same files from a drop and from a FileSystemDirectoryHandle', async () => {
    const dir = path.join(CORPUS_DIR, 'keras-cnn-rescaling-asl-letters');
    await page.setInputFiles(
      '#files',
      fs
        .readdirSync(dir)
        .filter((f) => !f.startsWith('_'))
        .map((f) => path.join(dir, f)),
    );
    const got = await call<{ dropped: unknown; handle: unknown }>('dropAndDirectoryHandle');
    expect(got.dropped).toEqual(oracleOf(dir).list_variables);
    expect(got.handle).toEqual(oracleOf(dir).list_variables);
  });

  it('saves in the page through a sink and as downloads; TensorFlow reads what was saved', async () => {
    const downloads: string[] = [];
    page.on('download', (d) => downloads.push(d.suggestedFilename()));
    const files = await call<Record<string, number[]>>(
      'saveInPage',
      nginx.base,
      'examples/mlp',
      'examples/mlp/model.json',
    );
    expect(Object.keys(files)).toEqual(['checkpoint', 'ckpt.data-00000-of-00001', 'ckpt.index']);
    // Downloads are reported as they start: wait (bounded) for all three.
    for (let i = 0; i < 100 && downloads.length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    expect(downloads.sort()).toEqual(['checkpoint', 'downloaded.data-00000-of-00001', 'downloaded.index']);
    if (!tfAvailable()) return;
    const out = path.join(work, 'saved-in-page');
    fs.mkdirSync(out);
    for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(out, name), Uint8Array.from(bytes));
    expect(
      tfJudge<{ latest_checkpoint: string }>('manager', { directory: out, max_to_keep: 5 }).latest_checkpoint,
    ).toBe(path.join(out, 'ckpt'));
    const keys = tfJudge<{ list_variables: Array<[string, number[]]> }>('oracle', {
      prefix: path.join(out, 'ckpt'),
    }).list_variables.map(([k]) => k);
    expect(keys).toEqual(
      expect.arrayContaining([
        'model/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE',
        'model/layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE',
      ]),
    );
  });

  it('a partial read makes nginx send only the needed bytes', async () => {
    nginx.clearLog();
    const { keys, needed } = await call<{ keys: string[]; needed: number }>(
      'partial',
      nginx.base,
      'corpus/keras-bilstm-news-sharded/cp.ckpt',
      '^layer_with_weights-1/',
    );
    expect(keys.length).toBeGreaterThan(0);
    const sent = nginx
      .requests()
      .filter((r) => /\.data-/.test(r.path) && r.method === 'GET')
      .reduce((n, r) => n + r.bodyBytes, 0);
    expect(sent).toBe(needed);
  });

  it('the example page opens a URL, shows the tree and the diff, restores with progress, predicts (screenshot)', async () => {
    const example = await context!.newPage();
    await example.setViewportSize({ width: 760, height: 940 });
    await example.goto(`${nginx.base}/example/index.html?ckpt=/examples/mlp&model=/examples/mlp/model.json&restore=1`);
    await example.waitForFunction(() => document.body.dataset['state'] !== undefined, undefined, { timeout: 60_000 });
    expect(
      await example.evaluate(() => [document.body.dataset['state'], document.getElementById('status')!.textContent]),
    ).toEqual(['done', 'Restored.']);
    // Keras 3's object paths, as TF's CheckpointView names them.
    expect(await example.textContent('#tree')).toMatch(/^root\nroot\.model\n[^]*\[VARIABLE_VALUE\]/);
    expect(await example.textContent('#diff')).toMatch(
      /^5 values match, 0 differ in shape, 10 only in the checkpoint, 0 only in the model/,
    );
    expect(await example.evaluate(() => (document.getElementById('progress') as HTMLProgressElement).position)).toBe(1);
    expect(await example.textContent('#prediction')).toMatch(
      /prediction for an input of ones \[1,4\]:\n\[\[[-0-9.e,]+\]\]/,
    );
    const png = await example.screenshot();
    // TFJS_CHECKPOINT_SCREENSHOT=path stores it (docs/browser-example.png in the README comes from here).
    const target = process.env['TFJS_CHECKPOINT_SCREENSHOT'];
    if (target) fs.writeFileSync(target, png);
    await example.close();
  });

  describe('every fault fails cleanly in the page: a CheckpointError, no weight changed, no tensor leaked', () => {
    const cases: Array<[Fault | 'no-cors', RegExp]> = [
      ['stall', /no data for/],
      ['wrong-range', /Content-Range/],
      ['replace', /changed on the server/],
      ['drop', /ended after|Failed to fetch/],
      ['503', /HTTP 503/],
      ['no-cors', /CORS/],
    ];
    it.each(cases)('%s', async (fault, message) => {
      faults.reset(fault === 'no-cors' ? 'none' : fault, fault === 'drop' || fault === '503' ? 1000 : 0);
      faults.cors = fault !== 'no-cors';
      const got = await call<{
        error: { isCheckpointError: boolean; message: string } | null;
        unchanged: boolean;
        leaked: number;
      }>('faultRestore', nginx.base, 'examples/mlp', 'examples/mlp/model.json', faults.base, 'examples/mlp/ckpt-1');
      faults.cors = true;
      expect(got.error).not.toBeNull();
      expect(got.error!.isCheckpointError).toBe(true);
      expect(got.error!.message).toMatch(message);
      expect(got.error!.message).toContain(faults.base);
      expect(got.unchanged).toBe(true);
      expect(got.leaked).toBe(0);
    });
  });
});
