/**
 * Conformance on the real checkpoints in ../shared/tf-checkpoints: every answer must equal what TensorFlow 2.21
 * read from the same files (_TF_ORACLE.json beside each).
 */
import {
  CheckpointError,
  CheckpointReader,
  CheckpointView,
  CorruptCheckpointError,
  listVariables,
  NotFoundError,
  NotObjectBasedError,
  UnsupportedError,
} from '../src';
import { CORPUS_DIR, corpusAvailable, listCheckpointDirs } from './helpers/shared';
import { expectMatchesOracle } from './helpers/oracle';

const available = corpusAvailable();
if (!available) {
  // Straight to stderr: jest swallows console output of suites whose tests are all skipped.
  process.stderr.write(
    `\nSKIPPED: the shared checkpoint corpus is not at ${CORPUS_DIR} (set TFJS_CHECKPOINT_CORPUS)\n`,
  );
}
const checkpoints = available ? listCheckpointDirs(CORPUS_DIR) : [];
const withOracle = checkpoints.filter((c) => c.oracle !== null);
const indexOnly = checkpoints.filter((c) => c.oracle === null);

(available ? describe : describe.skip)('shared TensorFlow checkpoints', () => {
  it('finds the corpus', () => {
    expect(withOracle.length).toBeGreaterThanOrEqual(60);
  });

  for (const ckpt of withOracle) {
    it(`${ckpt.name} reads like TensorFlow 2.21`, async () => {
      await expectMatchesOracle(ckpt.prefix, ckpt.oracle!);
    });
  }

  for (const ckpt of indexOnly) {
    it(`${ckpt.name} (index only) lists variables from the index alone and says which data file is missing`, async () => {
      const vars = await listVariables(ckpt.prefix);
      expect(vars.length).toBeGreaterThan(5);
      expect(vars.map(([k]) => k)).toContain('_CHECKPOINTABLE_OBJECT_GRAPH');
      const reader = await CheckpointReader.open(ckpt.prefix);
      try {
        const err = await reader.getTensor(vars[1]![0]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NotFoundError);
        expect((err as NotFoundError).file).toMatch(/\.data-00000-of-00001$/);
      } finally {
        await reader.close();
      }
    });
  }

  it('rejects Git LFS pointers with a typed error naming the file', async () => {
    const lfs = withOracle.find((c) => c.oracle!.reader_error !== undefined)!;
    const err = await CheckpointReader.open(lfs.prefix).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptCheckpointError);
    expect((err as CheckpointError).message).toContain(lfs.oracle!.reader_error);
    expect((err as CheckpointError).file).toBe(`${lfs.prefix}.index`);
  });

  it('distinguishes typed errors for unsupported values and non-object-based views', () => {
    expect(new UnsupportedError('x').code).toBe('UNSUPPORTED');
    expect(new NotObjectBasedError('x').code).toBe('NOT_OBJECT_BASED');
    expect(CheckpointView).toBeDefined();
  });
});
