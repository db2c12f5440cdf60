/**
 * The fuzzer's Keras part: mutates Keras weight files (HDF5, and .keras zips) and reads every value of each mutant
 * through KerasWeightsSource. Same contract as the checkpoint fuzzer: succeed or throw a CheckpointError, within
 * 2 s, without memory growth the input cannot justify. HDF5 keeps addresses and sizes as 8-byte little-endian
 * fields, so besides raw damage (bit flips, truncation, 0xff runs) 8-byte words are overwritten with huge values.
 */
import { CheckpointError, CheckpointView } from '../../src';
import { KerasWeightsSource } from '../../src/keras';
import { Rng } from '../helpers/rng';
import { classifyFailure } from './failure';
import { INPUT_MS, timeInput } from './timing';

export interface KerasSeed {
  name: string;
  bytes: Uint8Array;
}

export interface KerasFuzzReport {
  inputs: number;
  outcomes: Record<string, number>;
  slowestMs: number;
  failures: Array<{ seed: string; mutation: string; outcome: string; error: string }>;
}

const HUGE = [2n ** 31n, 2n ** 32n + 1n, 2n ** 40n, 2n ** 53n - 1n, 2n ** 63n, 0xffffffffffffffffn];

function mutate(bytes: Uint8Array, rng: Rng): [Uint8Array, string] {
  const b = bytes.slice();
  switch (rng.int(5)) {
    case 0:
      for (let i = 0, n = 1 + rng.int(8); i < n; i++) b[rng.int(b.length)]! ^= 1 << rng.int(8);
      return [b, 'bit flips'];
    case 1: {
      const at = rng.int(b.length);
      return [b.subarray(0, at), `truncated at ${at}`];
    }
    case 2: {
      const at = rng.int(b.length);
      b.fill(0xff, at, at + 1 + rng.int(32));
      return [b, `0xff run at ${at}`];
    }
    default: {
      // An aligned 8-byte word (HDF5 writers align most structures) set to a huge size or address.
      const at = rng.int(Math.max(1, (b.length >> 3) - 1)) << 3;
      const v = rng.pick(HUGE);
      new DataView(b.buffer, b.byteOffset).setBigUint64(at, v, true);
      return [b, `u64 ${v} at ${at}`];
    }
  }
}

async function exercise(bytes: Uint8Array, name: string): Promise<void> {
  const source = KerasWeightsSource.fromBytes(bytes, name);
  for (const key of source.keys()) {
    source.entry(key);
    try {
      await source.getTensor(key);
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
    }
  }
  const view = CheckpointView.fromObjectGraph(await source.objectGraph());
  view.descendantsWithPaths();
}

export async function fuzzKerasFiles(
  seeds: readonly KerasSeed[],
  inputs: number,
  seedValue = 1,
): Promise<KerasFuzzReport> {
  const rng = new Rng(seedValue);
  const report: KerasFuzzReport = { inputs: 0, outcomes: {}, slowestMs: 0, failures: [] };
  for (let i = 0; i < inputs; i++) {
    const seed = seeds[i % seeds.length]!;
    const [bytes, mutation] = mutate(seed.bytes, rng);
    const before = process.memoryUsage().arrayBuffers;
    const {
      result: { outcome: met, error },
      ms,
    } = await timeInput(async (): Promise<{ outcome: string; error: string }> => {
      try {
        await exercise(bytes, seed.name);
        return { outcome: 'ok', error: '' };
      } catch (err) {
        return classifyFailure(err);
      }
    });
    let outcome = met;
    report.slowestMs = Math.max(report.slowestMs, ms);
    if (outcome !== 'untyped' && ms > INPUT_MS) outcome = 'slow';
    else if (
      outcome !== 'untyped' &&
      process.memoryUsage().arrayBuffers - before > 64 * 1024 * 1024 + 16 * bytes.length
    )
      outcome = 'oversized';
    report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
    if ((outcome === 'untyped' || outcome === 'slow' || outcome === 'oversized') && report.failures.length < 20) {
      report.failures.push({ seed: seed.name, mutation, outcome, error });
    }
    report.inputs++;
  }
  return report;
}
