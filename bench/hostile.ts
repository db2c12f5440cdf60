/**
 * The cost targets of issue 13 (hostile files) as bench rows: a 10^6-node restore, opening a 10^6-key index and a
 * wide node of 100,000 variables, each ≤ 2 s. Each case runs in a fresh process (bench/hostile_case.ts), 3 runs;
 * the rows give the best and the median (the first run is cold: nothing compiled yet).
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

export const HOSTILE_LIMIT_SECONDS = 2;

const CASES: Array<[string, string]> = [
  ['restore-1e6', '10^6-node restore'],
  ['restore-1e6-small', '10^6-node file, 1,000-leaf model'],
  ['open-1e6', '10^6-key open (Snappy index)'],
  ['wide-1e5', 'wide node 100000 (restore)'],
];

export interface HostileFigure {
  name: string;
  seconds: number[];
  best: number;
  median: number;
  peakRssBytes: number;
}

export function hostileFigures(dir: string, root: string, runs = 3): HostileFigure[] {
  return CASES.map(([id, name]) => {
    const out = execFileSync(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        path.join(root, 'bench', 'hostile_case.ts'),
        id,
        path.join(dir, 'hostile'),
        String(runs),
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        cwd: root,
      },
    );
    const r = JSON.parse(out.trim().split('\n').pop()!) as { seconds: number[]; peakRssBytes: number };
    const sorted = [...r.seconds].sort((a, b) => a - b);
    return {
      name,
      seconds: r.seconds,
      best: sorted[0]!,
      median: sorted[Math.floor(sorted.length / 2)]!,
      peakRssBytes: r.peakRssBytes,
    };
  });
}

export function hostileLines(figures: readonly HostileFigure[]): {
  lines: string[];
  targets: Array<[string, boolean, string]>;
} {
  return {
    lines: figures.map(
      (f) =>
        `hostile: ${f.name.padEnd(30)} best ${f.best.toFixed(3)} s, median ${f.median.toFixed(3)} s of [${f.seconds.map((s) => s.toFixed(2)).join(', ')}]; peak RSS of the process ${(f.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
    ),
    targets: figures.map((f): [string, boolean, string] => [
      `${f.name} ≤ ${HOSTILE_LIMIT_SECONDS} s`,
      f.median <= HOSTILE_LIMIT_SECONDS,
      `median ${f.median.toFixed(3)} s, best ${f.best.toFixed(3)} s`,
    ]),
  };
}

/** `npx tsx bench/hostile.ts`: just these rows. */
if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const dir = process.env['TFJS_CHECKPOINT_BENCH_DIR'] ?? path.join(os.tmpdir(), 'tfjs-checkpoint-bench');
  const { lines, targets } = hostileLines(hostileFigures(dir, root));
  console.log(
    [
      ...lines,
      ...targets.map(([name, ok, detail]) => `${ok ? 'met    ' : 'NOT MET'}  ${name.padEnd(40)} ${detail}`),
    ].join('\n'),
  );
}
