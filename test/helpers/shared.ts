/**
 * Where the real TensorFlow checkpoints of `../shared/tf-checkpoints` live. They are read in place, never copied.
 * Set TFJS_CHECKPOINT_CORPUS to point elsewhere; tests that need them skip, saying so, when absent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CORPUS_DIR =
  process.env['TFJS_CHECKPOINT_CORPUS'] ?? path.resolve(__dirname, '../../../shared/tf-checkpoints');

export function corpusAvailable(): boolean {
  return fs.existsSync(path.join(CORPUS_DIR, 'CATALOG.md'));
}

export interface CorpusCheckpoint {
  /** Directory name relative to the corpus (e.g. `keras-lenet-sgd-newopt-2023`, `_index-only/...`). */
  name: string;
  dir: string;
  /** Bundle prefix (path of the .index without the suffix). */
  prefix: string;
  oracle: Oracle | null;
}

export interface OracleTensor {
  key: string;
  dtype: string;
  shape: number[];
  sha256?: string;
  unreadable?: string;
}

export interface OracleNode {
  attributes?: Array<[string, string, string]>;
  slot_variables?: Array<[number, string, number]>;
  registered_saver?: [string, string] | { name: string; object_name: string };
  has_checkpoint_values?: boolean;
}

export interface Oracle {
  tf_version: string;
  inspect_lines?: string[];
  list_variables?: Array<[string, number[]]>;
  tensors?: OracleTensor[];
  num_nodes?: number;
  children?: Array<Array<[string, number]>>;
  descendants?: number[];
  paths?: Array<[number, string]>;
  nodes?: OracleNode[];
  view_error?: string;
  reader_error?: string;
  tensors_sha256?: string;
  live?: LiveSpec;
  match?: Array<[number, string[]]>;
  diff?: { only_in_checkpoint: number[]; only_in_trackable: string[][] };
  match_warnings?: number;
  live_descendants?: string[][];
}

/** A declarative live structure (see test/fixtures/generate.py). */
export type LiveSpec =
  | { module: Array<[string, LiveSpec]> }
  | { list: LiveSpec[] }
  | { dict: Array<[string, LiveSpec]> }
  | { var: unknown; dtype?: string }
  | { ref: string[] };

export const FIXTURES_DIR = path.resolve(__dirname, '../fixtures/tf');

function findIndexFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findIndexFiles(p));
    else if (entry.name.endsWith('.index')) out.push(p);
  }
  return out;
}

/** Every checkpoint directory under `root` that holds one bundle, with its oracle when present. */
export function listCheckpointDirs(root: string): CorpusCheckpoint[] {
  const dirs: string[] = [];
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const p = path.join(d, entry.name);
      if (fs.existsSync(path.join(p, '_TF_ORACLE.json')) || fs.existsSync(path.join(p, '_SOURCE.txt'))) dirs.push(p);
      else if (entry.name.startsWith('_')) walk(p);
    }
  };
  walk(root);
  return dirs.sort().map((dir) => {
    const indexes = findIndexFiles(dir);
    if (indexes.length !== 1) throw new Error(`${dir}: expected one .index file, found ${indexes.length}`);
    const oraclePath = path.join(dir, '_TF_ORACLE.json');
    return {
      name: path.relative(root, dir),
      dir,
      prefix: indexes[0]!.slice(0, -'.index'.length),
      oracle: fs.existsSync(oraclePath) ? (JSON.parse(fs.readFileSync(oraclePath, 'utf8')) as Oracle) : null,
    };
  });
}
