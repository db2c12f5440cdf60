/**
 * Checkpoints generated with TensorFlow 2.21 by test/fixtures/generate.py: every answer, including match and diff
 * on a second live structure, must equal TensorFlow's recorded one.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { CheckpointReader, CheckpointView, loadVariable, NodeFileSystem, setLogger, type TensorValue } from '../src';
import { interceptDataReads } from './helpers/data_reads';
import { buildLive } from './helpers/live';
import { expectMatchesOracle } from './helpers/oracle';
import { FIXTURES_DIR, listCheckpointDirs, type Oracle } from './helpers/shared';
import { tensorSha256 } from './helpers/values';

const fixtures = listCheckpointDirs(FIXTURES_DIR);

describe('TensorFlow-generated fixtures', () => {
  it('are all present', () => {
    expect(fixtures.map((f) => f.name).sort()).toEqual(
      [
        'dtypes',
        'name-based',
        'names',
        'seed-children',
        'seed-diff',
        'shared-cycles',
        'sharded',
        'tf1-slots',
        'wide',
        'k3-adam-steps',
        'k3-functional-conv',
        'k3-gru-reset-after',
        'k3-rnn-gru-bilstm',
        'k3-sequential-dense-bn',
        'k3-subclassed-embed-lstm',
        'status',
        'tf1-adam-steps',
        'k3-sgd-momentum-steps',
        'k3-rmsprop-steps',
        'k3-rmsprop-centered-steps',
        'k3-adagrad-steps',
        'k3-adadelta-steps',
      ].sort(),
    );
  });

  describe.each(fixtures.map((f) => [f.name, f] as const))('%s', (_name, fixture) => {
    it('reads like TensorFlow 2.21', async () => {
      await expectMatchesOracle(fixture.prefix, fixture.oracle!);
    });

    const oracle = fixture.oracle!;
    if (oracle.live)
      it('matches and diffs a live structure like TensorFlow', async () => {
        const view = await CheckpointView.open(fixture.prefix);
        const { root, labelOf } = buildLive(oracle.live!);
        const label = (o: unknown): string[] => labelOf.get(o) ?? ['<unlabelled>'];
        const warnings: string[] = [];
        const previous = setLogger({ warn: (m) => warnings.push(m) });
        let matched;
        try {
          matched = view.match(root);
        } finally {
          setLogger(previous);
        }
        expect([...matched].map(([id, obj]) => [id, label(obj)])).toEqual(oracle.match);
        expect(warnings.length).toBe(oracle.match_warnings);
        warnings.forEach((w) =>
          expect(w).toMatch(
            /^Inconsistent references when matching the checkpoint into this object graph\. The referenced objects are: \(.* and .*\)\.$/,
          ),
        );

        setLogger({ warn: () => undefined });
        try {
          const [overlap, onlyInCheckpoint, onlyInTrackable] = view.diff(root);
          expect([...overlap.keys()]).toEqual(oracle.match!.map(([id]) => id));
          expect(onlyInCheckpoint).toEqual(oracle.diff!.only_in_checkpoint);
          expect(onlyInTrackable.map(label)).toEqual(oracle.diff!.only_in_trackable);
          for (const [id, obj] of overlap) expect(obj).toBe(matched.get(id));
        } finally {
          setLogger(previous);
        }
      });
  });
});

describe('tensors read in pieces, as a local file reads those over 4 MiB', () => {
  it('are TensorFlow`s bytes, on every fixture (pieces of 64 bytes)', async () => {
    const pieces = interceptDataReads(
      new NodeFileSystem(),
      (read, _path, offset, length, target) => read(offset, length, target),
      64,
    );
    let multiPiece = 0;
    for (const fixture of fixtures) {
      const reader = await CheckpointReader.open(fixture.prefix, { fs: pieces });
      try {
        const oracle = fixture.oracle!;
        const read = async (key: string): Promise<TensorValue> => {
          const value = await reader.getTensor(key);
          if (reader.entry(key).size > 64 && value.dtype !== 'string') multiPiece++;
          return value;
        };
        for (const t of oracle.tensors ?? []) {
          if (t.unreadable !== undefined) continue;
          expect([fixture.name, t.key, tensorSha256(await read(t.key))]).toEqual([fixture.name, t.key, t.sha256]);
        }
        if (oracle.tensors_sha256 !== undefined) {
          // The generator stored the whole list compactly: sha256 of its JSON, as test/helpers/oracle.ts compares it.
          const list = [];
          for (const key of reader.keys()) {
            const value = await read(key);
            list.push({ key, dtype: value.dtype, shape: value.shape, sha256: tensorSha256(value) });
          }
          expect([fixture.name, createHash('sha256').update(JSON.stringify(list)).digest('hex')]).toEqual([
            fixture.name,
            oracle.tensors_sha256,
          ]);
        }
      } finally {
        await reader.close();
      }
    }
    expect(multiPiece).toBeGreaterThan(50);
  });
});

describe('partitioned tensors (TF1 SaveV2 slices)', () => {
  const prefix = path.join(FIXTURES_DIR, 'name-based', 'model.ckpt');

  it('reassembles float slices in place', async () => {
    const value = await loadVariable(prefix, 'partitioned');
    expect(value.shape).toEqual([4, 6]);
    expect([...(value.data as Float32Array)]).toEqual([...Array(24).keys()]);
  });

  it('getTensors reads partitioned and plain tensors together, as getTensor does', async () => {
    const reader = await CheckpointReader.open(prefix);
    try {
      const keys = reader.keys();
      const got = new Array<TensorValue>(keys.length);
      await reader.getTensors(keys, (i, v) => void (got[i] = v));
      for (const [i, key] of keys.entries()) expect(got[i]).toEqual(await reader.getTensor(key));
      expect(keys).toEqual(expect.arrayContaining(['partitioned', 'partitioned_strings', 's/binary']));
    } finally {
      await reader.close();
    }
  });

  it('reassembles string slices, which TensorFlow itself cannot read', async () => {
    const value = await loadVariable(prefix, 'partitioned_strings:0');
    expect(value.shape).toEqual([3, 2]);
    const text = (value.data as Uint8Array[]).map((b) => Buffer.from(b).toString());
    expect(text).toEqual(['a', 'bb', 'ccc', '', 'e', 'ff']);
  });
});

describe('tf.train.CheckpointView documentation examples', () => {
  const dir = (name: string): string => path.join(FIXTURES_DIR, name);

  it('children(0) lists the root children of `tf.train.Checkpoint(root).save()`', async () => {
    expect(fs.existsSync(path.join(dir('seed-children'), 'tf_ckpts-1.index'))).toBe(true);
    const view = await CheckpointView.open(path.join(dir('seed-children'), 'tf_ckpts-1'));
    const lines = [...view.children(0)].map(([name, id]) => `- name: '${name}', node_id: ${id}`);
    expect(lines).toEqual([
      "- name: 'a_var', node_id: 1",
      "- name: 'b_var', node_id: 2",
      "- name: 'vars', node_id: 3",
      "- name: 'leaf', node_id: 4",
      "- name: 'root', node_id: 0",
      "- name: 'save_counter', node_id: 5",
    ]);
  });

  it('match and diff give the documented ids and objects', async () => {
    const view = await CheckpointView.open(path.join(dir('seed-diff'), 'tf_ckpts-1'));
    const spec = (JSON.parse(fs.readFileSync(path.join(dir('seed-diff'), '_TF_ORACLE.json'), 'utf8')) as Oracle).live!;
    const { root } = buildLive(spec);
    // The live structure the spec builds: objects under their attribute names, lists of variables.
    type Live = Record<string, unknown> & { vars: unknown[] };
    const r = root as Live;
    const leaf2 = r['leaf2'] as Live;
    const matched = view.match(root);
    expect([...matched.keys()]).toEqual([0, 1, 2, 3, 6, 7]);
    expect([...matched.values()]).toEqual([root, r['a_var'], r['b_var'], r['vars'], r['vars'][0], r['vars'][1]]);
    const [, onlyInCheckpoint, onlyInTrackable] = view.diff(root);
    expect(onlyInCheckpoint).toEqual([4, 5, 8, 9, 10, 11, 12, 13, 14]);
    const expected = [
      leaf2,
      leaf2['a_var'],
      leaf2['b_var'],
      leaf2.vars,
      leaf2['leaf3'],
      leaf2['leaf4'],
      leaf2.vars[0],
      leaf2.vars[1],
    ];
    expect(onlyInTrackable.length).toBe(expected.length);
    onlyInTrackable.forEach((obj, i) => expect(obj).toBe(expected[i]));
  });
});
