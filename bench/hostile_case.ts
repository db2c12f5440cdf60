/**
 * One cost target of issue 13, in a process of its own (bench/hostile.ts starts it), so neither the bench's 1 GiB
 * model nor another case's garbage is in the heap it is measured with:
 *   node --expose-gc --import tsx bench/hostile_case.ts CASE DIR RUNS
 * writes the case's files once into DIR/CASE (with test/helpers/hostile's builders), then times RUNS runs of its
 * operation on the built package, each after a full collection, the first one cold (nothing compiled yet), and
 * prints one JSON line: { seconds: [...], peakRssBytes }.
 *
 * Cases:
 *   restore-1e6  the root with 999,999 variable children (10^6 nodes, 10^6 keys over one stored value), restored
 *                into a live tree of as many restorable leaves: open + graph + match + read + assign
 *   restore-1e6-small  the same file restored into a model of 1,000 leaves (the first 1,000 names): what a
 *                hostile 10^6-node file costs a program that restores it
 *   open-1e6     opening an index of 10^6 keys in Snappy blocks (1.4 MB)
 *   wide-1e5     the root with 100,000 variables each stored on its own, restored into as many leaves
 * The leaves are the package's own restorable values (restorableAttributes), not tfjs variables: making 10^6
 * tfjs variables is tfjs's cost, not the restore's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Restorable, TensorValue } from '../src';
import * as hostile from '../test/helpers/hostile';

// The built package (what users run), as bench/run.ts measures it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../dist') as typeof import('../src');

const CASES = {
  'restore-1e6': { files: 'restore-1e6', build: () => hostile.manyVariables(999_999), leaves: 999_999 },
  'restore-1e6-small': { files: 'restore-1e6', build: () => hostile.manyVariables(999_999), leaves: 1000 },
  'open-1e6': { files: 'open-1e6', build: () => hostile.manyKeys(1_000_000, true), leaves: 0 },
  'wide-1e5': { files: 'wide-1e5', build: () => hostile.wideNode(100_000), leaves: 100_000 },
} as const;
type CaseName = keyof typeof CASES;

const SCALAR: readonly number[] = [];

/**
 * A live value holder: what a restore assigns into, with no tfjs behind it. As light as the package's own holders
 * (SaveCounter): the leaf is its own Restorable and lists its one attribute when asked, so the heap the collector
 * traces is the restore's, not the bench's (a Map and a holder object per leaf made 400 MB of live tree).
 */
class Leaf implements Restorable {
  readonly shape = SCALAR;
  readonly dtype = 'float32' as const;
  value: TensorValue | null = null;
  [pkg.restorableAttributes](): Map<string, Restorable> {
    return new Map([['VARIABLE_VALUE', this]]);
  }
  prepare(value: TensorValue): LeafWrite {
    return new LeafWrite(this, value);
  }
  read(): Promise<TensorValue> {
    return Promise.resolve(this.value ?? { dtype: 'float32', shape: [], data: new Float32Array(1) });
  }
}

/** A prepared write of a leaf (a class, not a literal of closures: tsx names every closure it compiles). */
class LeafWrite {
  constructor(
    private readonly leaf: Leaf,
    private readonly value: TensorValue,
  ) {}
  commit(): void {
    this.leaf.value = this.value;
  }
  discard(): void {
    // Nothing was allocated.
  }
}

function ensureFiles(name: CaseName, dir: string): string {
  const caseDir = path.join(dir, CASES[name].files);
  const prefix = path.join(caseDir, path.basename(hostile.PREFIX));
  if (!fs.existsSync(`${prefix}.index`)) {
    fs.mkdirSync(caseDir, { recursive: true });
    const files = CASES[name].build();
    // The index last, so an interrupted build is rebuilt.
    for (const [file, bytes] of [...files].sort(([a], [b]) =>
      a.endsWith('.index') ? 1 : b.endsWith('.index') ? -1 : 0,
    )) {
      fs.writeFileSync(path.join(caseDir, path.basename(file)), bytes);
    }
  }
  return prefix;
}

async function main(): Promise<void> {
  const [name, dir, runsArg] = process.argv.slice(2) as [CaseName, string, string | undefined];
  if (!(name in CASES)) throw new Error(`unknown case ${name}: one of ${Object.keys(CASES).join(', ')}`);
  const prefix = ensureFiles(name, dir);
  pkg.setLogger({ warn: () => undefined });
  const root: Record<string, Leaf> = {};
  for (let i = 0; i < CASES[name].leaves; i++) root[`v${i}`] = new Leaf();
  /** One timed operation; returns the check of its result, run untimed. */
  const run = async (): Promise<() => void> => {
    if (name === 'open-1e6') {
      const reader = await pkg.CheckpointReader.open(prefix);
      await reader.close();
      return () => {
        if (reader.keys().length !== 1_000_001) throw new Error('wrong key count');
      };
    }
    const status = await new pkg.Checkpoint({ root }).restore(prefix, { expectPartial: true });
    return () => {
      // Every leaf got its value: the figure is of a restore that did its work.
      const restored = status.report().restored.length;
      if (restored !== CASES[name].leaves) throw new Error(`restored ${restored} of ${CASES[name].leaves}`);
    };
  };
  /**
   * One timed run, then its check; everything it made is garbage once it returns. (Awaited in main's own loop,
   * the last status stayed in main's suspended frame, so each run carried the previous restore's whole plan.)
   */
  const timed = async (): Promise<number> => {
    // The previous status lets go of its plan once its scheduled warnings have run (a timer).
    await new Promise((resolve) => setTimeout(resolve, 10));
    global.gc?.();
    const t = performance.now();
    const check = await run();
    const seconds = (performance.now() - t) / 1000;
    check();
    return seconds;
  };
  const seconds: number[] = [];
  for (let i = 0; i < Number(runsArg ?? 3); i++) seconds.push(await timed());
  process.stdout.write(`${JSON.stringify({ seconds, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 2;
});
