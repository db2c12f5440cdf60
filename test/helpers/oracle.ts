/** Comparison of what this package reads with what TensorFlow recorded for the same checkpoint. */
import {
  CheckpointReader,
  CheckpointView,
  CorruptCheckpointError,
  NotObjectBasedError,
  UnsupportedError,
} from '../../src';
import { createHash } from 'node:crypto';

import type { Oracle } from './shared';
import { tensorSha256 } from './values';

/**
 * Compares `actual` with the oracle's field, or with its `<field>_sha256` (sha256 of the JSON without spaces) when
 * the generator stored a large field compactly.
 */
function expectField(oracle: Oracle, field: string, actual: unknown): void {
  const record = oracle as unknown as Record<string, unknown>;
  if (record[`${field}_sha256`] !== undefined) {
    const digest = createHash('sha256').update(JSON.stringify(actual)).digest('hex');
    expect([field, digest]).toEqual([field, record[`${field}_sha256`]]);
  } else if (record[field] !== undefined) {
    expect(actual).toEqual(record[field]);
  }
}

export async function expectMatchesOracle(prefix: string, oracle: Oracle): Promise<void> {
  if (oracle.reader_error !== undefined) {
    const err = await CheckpointReader.open(prefix).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptCheckpointError);
    expect((err as Error).message).toContain(oracle.reader_error);
    return;
  }
  const reader = await CheckpointReader.open(prefix);
  try {
    expectField(
      oracle,
      'list_variables',
      reader.keys().map((k) => [k, reader.entry(k).shape]),
    );
    // TensorFlow prints slice keys instead of partitioned tensors: compare the lines of whole tensors.
    const whole = reader.keys().filter((k) => reader.entry(k).slices.length === 0);
    const lines = reader
      .debugString()
      .trimEnd()
      .split('\n')
      .filter((_, i) => whole.includes(reader.keys()[i]!));
    expectField(oracle, 'inspect_lines', lines);
    if (oracle.tensors_sha256 !== undefined) {
      const tensors = [];
      for (const key of reader.keys()) {
        const value = await reader.getTensor(key);
        tensors.push({ key, dtype: value.dtype, shape: value.shape, sha256: tensorSha256(value) });
      }
      expectField(oracle, 'tensors', tensors);
    }
    for (const t of oracle.tensors ?? []) {
      const partitionedString = reader.entry(t.key).dtype === 'string' && reader.entry(t.key).slices.length > 0;
      if (t.unreadable !== undefined && !partitionedString) {
        expect(reader.has(t.key)).toBe(true);
        await expect(reader.getTensor(t.key)).rejects.toBeInstanceOf(UnsupportedError);
        continue;
      }
      const value = await reader.getTensor(t.key);
      expect([t.key, value.dtype, value.shape]).toEqual([t.key, t.dtype, t.shape]);
      // TensorFlow cannot reassemble partitioned strings (its slice reader has no DT_STRING case); this package
      // can, and test/fixtures.test.ts checks the values.
      if (t.unreadable !== undefined) continue;
      expect([t.key, tensorSha256(value)]).toEqual([t.key, t.sha256]);
    }
  } finally {
    await reader.close();
  }

  if (oracle.view_error !== undefined) {
    const err = await CheckpointView.open(prefix).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotObjectBasedError);
    expect((err as Error).message).toBe(oracle.view_error.replace('{prefix}', prefix));
    return;
  }
  if (oracle.children === undefined) return;
  const view = await CheckpointView.open(prefix);
  expect(view.numNodes).toBe(oracle.num_nodes);
  const ids = [...Array(view.numNodes).keys()];
  expectField(
    oracle,
    'children',
    ids.map((id) => [...view.children(id)]),
  );
  expectField(oracle, 'descendants', view.descendants());
  expectField(oracle, 'paths', [...view.descendantsWithPaths()]);
  expectField(
    oracle,
    'nodes',
    ids.map((id) => nodeRecord(view, id)),
  );
}

function nodeRecord(view: CheckpointView, id: number): Record<string, unknown> {
  {
    const node = view.node(id);
    const actual: Record<string, unknown> = {};
    if (node.attributes.length > 0)
      actual['attributes'] = node.attributes.map((a) => [a.name, a.fullName, a.checkpointKey]);
    if (node.slotVariables.length > 0) {
      actual['slot_variables'] = node.slotVariables.map((s) => [
        s.originalVariableNodeId,
        s.slotName,
        s.slotVariableNodeId,
      ]);
    }
    if (node.registeredSaver !== null)
      actual['registered_saver'] = [node.registeredSaver.name, node.registeredSaver.objectName];
    if (node.hasCheckpointValues !== null) actual['has_checkpoint_values'] = node.hasCheckpointValues;
    return actual;
  }
}
