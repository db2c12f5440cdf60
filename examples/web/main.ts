/// <reference lib="dom" />
/**
 * tfjs-checkpoint in a web page: open a TF checkpoint from a dropped or picked folder, or a URL; show its object
 * tree; compare it with a tfjs model.json; restore it with a progress bar; predict. Build: `node build.mjs`.
 */
import * as tf from '@tensorflow/tfjs';
import {
  BlobFileSystem,
  Checkpoint,
  CheckpointView,
  compareWithCheckpoint,
  type FileSystem,
  HttpFileSystem,
  loadWeights,
} from 'tfjs-checkpoint';

/** The page's element `id`, checked to be of the kind the code expects. */
function $<T extends HTMLElement>(id: string, kind: { new (): T; readonly prototype: T; readonly name: string }): T {
  const element = document.getElementById(id);
  if (!(element instanceof kind)) throw new Error(`#${id} is missing or not a ${kind.name}`);
  return element;
}
let opened: { fs: FileSystem; path: string } | null = null;
let model: tf.LayersModel | null = null;

function status(text: string, error = false): void {
  $('status', HTMLElement).textContent = text;
  $('status', HTMLElement).className = error ? 'error' : '';
}

/** The checkpoint among picked files: the folder holding a `checkpoint` state file, or the one `.index`. */
function locate(fsys: BlobFileSystem): string {
  const paths = fsys.paths();
  const state = paths.find((p) => p === 'checkpoint' || p.endsWith('/checkpoint'));
  if (state !== undefined) return fsys.dirname(state) === '.' ? '' : fsys.dirname(state);
  const index = paths.find((p) => p.endsWith('.index'));
  if (index === undefined) throw new Error('No .index file among the files given');
  return index.slice(0, -'.index'.length);
}

async function open(fsys: FileSystem, path: string): Promise<void> {
  opened = { fs: fsys, path };
  status(`Opening ${path || '(picked folder)'}…`);
  const view = await CheckpointView.open(path, { fs: fsys });
  const lines: string[] = [];
  for (const [id, p] of view.descendantsWithPaths()) {
    const attrs = view
      .node(id)
      .attributes.map((a) => a.name)
      .join(', ');
    lines.push(`${p}${attrs ? `  [${attrs}]` : ''}`);
  }
  $('tree', HTMLElement).textContent = lines.join('\n');
  status(`Opened: ${view.numNodes} objects`);
  await diff();
}

async function diff(): Promise<void> {
  if (opened === null || model === null) return;
  const live = model;
  const root = await rootFor(opened, live);
  const c = await compareWithCheckpoint(root, opened.path, { fs: opened.fs });
  const escape = (s: string): string => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  const row = (cells: string[], head = false): string =>
    `<tr>${cells.map((x) => (head ? `<th>${x}</th>` : `<td>${escape(x)}</td>`)).join('')}</tr>`;
  $('diff', HTMLElement).innerHTML =
    `<p>${c.matched.length} values match, ${c.shapeMismatches.length} differ in shape, ` +
    `${c.onlyInCheckpoint.length} only in the checkpoint, ${c.onlyInLive.length} only in the model.</p><table>` +
    row(['checkpoint path', 'shape', 'model weight'], true) +
    c.matched.map((m) => row([m.path, `[${m.shape.join(',')}]`, m.target])).join('') +
    c.shapeMismatches
      .map((m) => row([m.path, `[${m.checkpointShape.join(',')}] ≠ [${m.liveShape.join(',')}]`, m.target]))
      .join('') +
    c.onlyInLive.map((m) => row(['—', `[${m.shape.join(',')}]`, m.target])).join('') +
    '</table>';
  $('restore', HTMLButtonElement).disabled = c.matched.length === 0;
}

/** A `tf.train.Checkpoint(model=...)` holds the model as the root's child `model`; `save_weights` as the root. */
async function rootFor(where: { fs: FileSystem; path: string }, live: tf.LayersModel): Promise<object> {
  const view = await CheckpointView.open(where.path, { fs: where.fs });
  return view.children(0).has('model') ? new Checkpoint({ model: live }) : live;
}

async function restore(): Promise<void> {
  if (opened === null || model === null) return;
  const progress = $('progress', HTMLProgressElement);
  const onProgress = (done: number, total: number): void => {
    progress.max = total || 1;
    progress.value = done;
  };
  const live = model;
  const root = await rootFor(opened, live);
  const options = { fs: opened.fs, onProgress };
  if (root === live) await loadWeights(live, opened.path, options);
  else (await (root as Checkpoint).restore(opened.path, options)).expectPartial();
  const [input] = live.inputs;
  if (input === undefined) throw new Error('the model has no input');
  const shape = input.shape.map((d) => d ?? 1);
  const y = tf.tidy(() => live.predict(tf.ones(shape)) as tf.Tensor);
  $('prediction', HTMLElement).textContent =
    `prediction for an input of ones ${JSON.stringify(shape)}:\n${JSON.stringify(await y.array())}`;
  y.dispose();
  status('Restored.');
  document.body.dataset['state'] = 'done';
}

async function setModel(json: object): Promise<void> {
  model?.dispose();
  const topology = (json as { modelTopology?: object }).modelTopology ?? json;
  model = await tf.models.modelFromJSON({ modelTopology: topology as never });
  await diff();
}

function guard(run: () => Promise<void>): () => void {
  return () => {
    run().catch((err: unknown) => {
      status(err instanceof Error ? `${err.name}: ${err.message}` : String(err), true);
      document.body.dataset['state'] = 'error';
    });
  };
}

const drop = $('drop', HTMLElement);
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  // The drop's entries must be taken before the handler returns: fromDataTransfer does so first.
  const transfer = e.dataTransfer;
  if (transfer === null) return;
  const pending = BlobFileSystem.fromDataTransfer(transfer);
  guard(async () => {
    const fsys = await pending;
    await open(fsys, locate(fsys));
  })();
});
$('folder', HTMLElement).addEventListener(
  'change',
  guard(async () => {
    const fsys = new BlobFileSystem($('folder', HTMLInputElement).files ?? []);
    await open(fsys, locate(fsys));
  }),
);
$('open', HTMLElement).addEventListener(
  'click',
  guard(() => open(new HttpFileSystem(''), $('url', HTMLInputElement).value.trim())),
);
$('model', HTMLElement).addEventListener(
  'change',
  guard(async () => setModel((await (await fetch($('model', HTMLInputElement).value)).json()) as object)),
);
$('modelFile', HTMLElement).addEventListener(
  'change',
  guard(async () => {
    const file = $('modelFile', HTMLInputElement).files?.[0];
    if (file !== undefined) await setModel(JSON.parse(await file.text()) as object);
  }),
);
$('restore', HTMLElement).addEventListener('click', guard(restore));

// ?ckpt=URL&model=URL&restore=1 opens (and restores) at once: links, and the screenshot test.
const params = new URLSearchParams(location.search);
guard(async () => {
  const ckpt = params.get('ckpt');
  const modelUrl = params.get('model');
  if (modelUrl) {
    $('model', HTMLInputElement).value = modelUrl;
    await setModel((await (await fetch(modelUrl)).json()) as object);
  }
  if (ckpt) {
    $('url', HTMLInputElement).value = ckpt;
    await open(new HttpFileSystem(''), ckpt);
  }
  if (params.get('restore') === '1') await restore();
})();
