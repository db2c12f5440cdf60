/** Which live objects are trackable and what their children are (the TrackableView port). */
import * as tf from '@tensorflow/tfjs';

import {
  CheckpointView,
  CorruptCheckpointError,
  InvalidArgumentError,
  type TrackableObject,
  trackableChildren,
  TrackableView,
} from '../src';
import { decodeObjectGraph, encodeObjectGraph } from '../src/graph';

const v = (x: number): tf.Variable => tf.variable(tf.scalar(x));

describe('TrackableView', () => {
  it('lists plain-object, array and Map children in order, skipping non-trackable values', () => {
    const a = v(1);
    const b = v(2);
    const root = {
      z: a,
      n: 3,
      s: 'text',
      f: () => 1,
      t: tf.scalar(5),
      typed: new Float32Array(2),
      list: [b, 4, null, a],
      map: new Map<unknown, unknown>([['k', b], [7, a], ['x', 'y']]),
      empty: {},
      emptyList: [],
    };
    const view = new TrackableView(root);
    expect([...view.children(root).keys()]).toEqual(['z', 'list', 'map', 'empty', 'emptyList']);
    expect([...view.children(root.list)]).toEqual([['0', b], ['3', a]]);
    expect([...view.children(root.map)]).toEqual([['k', b]]);
    expect(view.children(a).size).toBe(0);
    expect(view.isTrackable(root.t)).toBe(false);
  });

  it('counts class instances only when they hold trackables, even through reference cycles', () => {
    class Holder {
      constructor(public inner?: unknown, public other?: unknown) {}
    }
    const empty = new Holder();
    const parent = new Holder();
    const child = new Holder(parent);
    parent.inner = child;
    parent.other = v(3);
    const view = new TrackableView(parent);
    expect(view.isTrackable(empty)).toBe(false);
    // child is asked about while parent's answer is pending; it must not be cached as "not trackable".
    expect(view.isTrackable(child)).toBe(true);
    expect([...view.children(parent).keys()]).toEqual(['inner', 'other']);
    expect(view.descendants()).toEqual([parent, child, parent.other]);
  });

  it('lets objects declare their own children with the trackableChildren symbol', () => {
    const w = v(1);
    const custom = { hidden: v(2), [trackableChildren]: () => new Map([['weights', w]]) };
    const view = new TrackableView(custom);
    expect([...view.children(custom)]).toEqual([['weights', w]]);
  });

  it('walks breadth first, each object once, with the first path found', () => {
    const shared = v(1);
    const root = { a: { deep: shared }, b: shared, c: [shared] };
    const view = new TrackableView(root);
    expect(view.descendantsWithPaths().map(([o, p]) => [o === shared ? 'shared' : typeof o, p])).toEqual([
      ['object', []],
      ['object', ['a']],
      ['shared', ['b']],
      ['object', ['c']],
    ]);
  });
});

describe('CheckpointView.match argument checks', () => {
  const view = CheckpointView.fromObjectGraph({
    nodes: [{ children: [], attributes: [], slotVariables: [], registeredSaver: null, hasCheckpointValues: null }],
  });

  it('rejects non-trackables like TensorFlow', () => {
    expect(() => view.match(42)).toThrow(new InvalidArgumentError('Expected a Trackable, got 42 of type number.'));
    expect(() => view.match(tf.scalar(1))).toThrow(InvalidArgumentError);
  });

  it('rejects node ids that do not exist', () => {
    expect(() => view.children(3)).toThrow('Node 3 does not exist: the object graph has 1 nodes');
  });
});

describe('stored object graphs decode node by node', () => {
  const node = (children: Array<[string, number]>, attributes: string[] = []): TrackableObject => ({
    children: children.map(([localName, nodeId]) => ({ localName, nodeId })),
    attributes: attributes.map((name) => ({ name, fullName: '', checkpointKey: `k/${name}`, optionalRestore: false })),
    slotVariables: [],
    registeredSaver: null,
    hasCheckpointValues: null,
  });
  // Node 2's child points past the end of the graph.
  const graph = { nodes: [node([['a', 1], ['b', 2]]), node([], ['VARIABLE_VALUE']), node([['bad', 9]])] };
  const bytes = encodeObjectGraph(graph);

  it('opens without decoding nodes, and fails on a bad node only when it is used', () => {
    const stored = decodeObjectGraph(bytes, 'f.data');
    expect(stored.numNodes).toBe(3);
    const view = CheckpointView.fromObjectGraph(stored);
    expect(view.children(0)).toEqual(new Map([['a', 1], ['b', 2]]));
    expect(view.node(1)).toMatchObject(graph.nodes[1]!);
    const expected = new CorruptCheckpointError("f.data: object graph node 2's child bad refers to node 9, but the graph has 3 nodes");
    expect(() => view.children(2)).toThrow(expected);
    expect(() => view.descendants()).toThrow(expected);
    expect(() => stored.nodes).toThrow(expected);
    expect(() => stored.node(3)).toThrow(new InvalidArgumentError('Node 3 does not exist: the object graph has 3 nodes'));
  });

  it('skips unknown top-level fields and rejects broken framing', () => {
    // Field 2 (varint 7) before the nodes, field 15 (length-delimited) after them: both ignored, as protobuf does.
    const extended = Uint8Array.from([0x10, 0x07, ...bytes, 0x7a, 0x02, 0xff, 0xff]);
    const stored = decodeObjectGraph(extended, 'f');
    expect(stored.numNodes).toBe(3);
    expect(stored.node(0)).toMatchObject(graph.nodes[0]!);
    expect(stored.node(1)).toMatchObject(graph.nodes[1]!);
    expect(() => decodeObjectGraph(bytes.subarray(0, bytes.length - 1), 'f')).toThrow(CorruptCheckpointError);
    expect(() => decodeObjectGraph(Uint8Array.of(0x0f), 'f')).toThrow(CorruptCheckpointError);
    expect(() => decodeObjectGraph(new Uint8Array(0), 'f')).toThrow(new CorruptCheckpointError('f: object graph has no nodes'));
  });
});
