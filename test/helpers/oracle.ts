/** Comparison of what this package reads with what TensorFlow recorded for the same checkpoint. */
import { CheckpointReader, CheckpointView, CorruptCheckpointError, NotObjectBasedError, UnsupportedError } from '../../src';
import type { Oracle } from './shared';
import { tensorSha256 } from './values';

export async function expectMatchesOracle(prefix: string, oracle: Oracle): Promise<void> {
  if (oracle.reader_error !== undefined) {
    const err = await CheckpointReader.open(prefix).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptCheckpointError);
    expect((err as Error).message).toContain(oracle.reader_error);
    return;
  }
  const reader = await CheckpointReader.open(prefix);
  try {
    if (oracle.list_variables) {
      expect(reader.keys().map((k) => [k, reader.entry(k).shape])).toEqual(oracle.list_variables);
    }
    if (oracle.inspect_lines) {
      expect(reader.debugString().trimEnd().split('\n')).toEqual(oracle.inspect_lines);
    }
    for (const t of oracle.tensors ?? []) {
      if (t.unreadable !== undefined) {
        expect(reader.has(t.key)).toBe(true);
        await expect(reader.getTensor(t.key)).rejects.toBeInstanceOf(UnsupportedError);
        continue;
      }
      const value = await reader.getTensor(t.key);
      expect([t.key, value.dtype, value.shape]).toEqual([t.key, t.dtype, t.shape]);
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
  oracle.children.forEach((children, id) => {
    expect([id, [...view.children(id)]]).toEqual([id, children]);
  });
  expect(view.descendants()).toEqual(oracle.descendants);
  expect([...view.descendantsWithPaths()]).toEqual(oracle.paths);
  oracle.nodes!.forEach((n, id) => {
    const node = view.node(id);
    const actual: Record<string, unknown> = {};
    if (node.attributes.length > 0) actual['attributes'] = node.attributes.map((a) => [a.name, a.fullName, a.checkpointKey]);
    if (node.slotVariables.length > 0) {
      actual['slot_variables'] = node.slotVariables.map((s) => [s.originalVariableNodeId, s.slotName, s.slotVariableNodeId]);
    }
    if (node.registeredSaver !== null) actual['registered_saver'] = node.registeredSaver;
    if (node.hasCheckpointValues !== null) actual['has_checkpoint_values'] = node.hasCheckpointValues;
    const expected: Record<string, unknown> = { ...n };
    if (Array.isArray(n.registered_saver)) expected['registered_saver'] = { name: n.registered_saver[0], objectName: n.registered_saver[1] };
    expect([id, actual]).toEqual([id, expected]);
  });
}
