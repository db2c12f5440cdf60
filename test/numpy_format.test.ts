/** Values printed as numpy prints them (what inspect_checkpoint shows), judged by numpy's own str(). */
import { CheckpointReader } from '../src';
import { formatNumpy } from '../src/cli/numpy_format';
import { FIXTURES_DIR, listCheckpointDirs } from './helpers/shared';

/** dtypes printed exactly as numpy does; ml_dtypes' bfloat16 and numpy's complex layout are approximated. */
const EXACT = new Set([
  'float32',
  'float64',
  'float16',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
  'string',
]);

const cases = listCheckpointDirs(FIXTURES_DIR).flatMap((f) =>
  (f.oracle!.tensors ?? [])
    .filter((t) => (t as { numpy?: string }).numpy !== undefined && EXACT.has(t.dtype))
    .map((t) => [`${f.name}: ${t.key}`, f.prefix, t.key, (t as unknown as { numpy: string }).numpy] as const),
);

describe('numpy formatting', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(100));
  it.each(cases)('%s', async (_name, prefix, key, expected) => {
    const reader = await CheckpointReader.open(prefix);
    try {
      expect(formatNumpy(await reader.getTensor(key))).toBe(expected);
    } finally {
      await reader.close();
    }
  });
});
