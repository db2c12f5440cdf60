/** Which live objects are trackable and what their children are (the TrackableView port). */
import * as tf from '@tensorflow/tfjs';

import {
  Checkpoint,
  type ChildListing,
  CheckpointView,
  CorruptCheckpointError,
  InvalidArgumentError,
  MemoryFileSystem,
  MismatchError,
  registerTrackableAdapter,
  type TrackableObject,
  trackableChildren,
  TrackableView,
} from '../src';
import { decodeObjectGraph, encodeObjectGraph } from '../src/graph';
import { type ChildList, childrenByName, ReferenceList } from '../src/graph/children_by_name';

/** CheckpointView.children's Map of one list of references (what childrenByName must agree with). */
class CheckpointViewLike {
  constructor(private readonly refs: Array<{ localName: string; nodeId: number }>) {}
  children(): Map<string, number> {
    const node = {
      children: this.refs,
      attributes: [],
      slotVariables: [],
      registeredSaver: null,
      hasCheckpointValues: null,
    };
    return CheckpointView.fromObjectGraph({ nodes: [node] }).children(0);
  }
}

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
      map: new Map<unknown, unknown>([
        ['k', b],
        [7, a],
        ['x', 'y'],
      ]),
      empty: {},
      emptyList: [],
    };
    const view = new TrackableView(root);
    expect([...view.children(root).keys()]).toEqual(['z', 'list', 'map', 'empty', 'emptyList']);
    expect([...view.children(root.list)]).toEqual([
      ['0', b],
      ['3', a],
    ]);
    expect([...view.children(root.map)]).toEqual([['k', b]]);
    expect(view.children(a).size).toBe(0);
    expect(view.isTrackable(root.t)).toBe(false);
  });

  it('counts class instances only when they hold trackables, even through reference cycles', () => {
    class Holder {
      constructor(
        public inner?: unknown,
        public other?: unknown,
      ) {}
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

  it("finds a child by name exactly as the listing names it, without listing (TF's _lookup_dependency)", () => {
    class Holder {
      constructor(public w?: unknown) {}
    }
    const a = v(1);
    const b = v(2);
    const withHidden = { shown: a };
    Object.defineProperty(withHidden, 'hidden', { value: b, enumerable: false });
    const holes: unknown[] = [a];
    holes[2] = b;
    const inherited = Object.create({ fromProto: a }) as Record<string, unknown>;
    inherited['own'] = b;
    const containers: object[] = [
      { z: a, n: 3, t: tf.scalar(1), empty: {}, inner: new Holder(b), bare: new Holder(), nothing: undefined },
      withHidden,
      inherited,
      [a, 4, null, b],
      holes,
      new Map<unknown, unknown>([
        ['k', b],
        [7, a],
        ['7', a],
        ['x', 'y'],
      ]),
      {
        [trackableChildren]: () => [
          ['x', a],
          ['x', b],
          ['n', 1],
        ],
      },
      new Float32Array(2),
    ];
    const names = [
      'z',
      'n',
      't',
      'empty',
      'inner',
      'bare',
      'nothing',
      'shown',
      'hidden',
      'fromProto',
      'own',
      'k',
      '7',
      'x',
      '0',
      '1',
      '2',
      '3',
      '00',
      '-0',
      '1.0',
      ' 1',
      '4294967296',
      'constructor',
      'toString',
      '__proto__',
    ];
    for (const obj of containers) {
      const listed = new TrackableView(obj).children(obj);
      for (const name of names)
        expect([name, new TrackableView(obj).child(obj, name)]).toEqual([name, listed.get(name)]);
    }
  });

  it('answers the same once many absent names have made it list a small object instead', () => {
    const a = v(1);
    // More properties than the first count of misses: listed only once the misses outnumber them four times.
    const obj: Record<string, unknown> = { a, n: 2, inner: { b: v(2) } };
    for (let i = 0; i < 300; i++) obj[`p${i}`] = i;
    Object.defineProperty(obj, 'hidden', { value: v(3), enumerable: false });
    const view = new TrackableView(obj);
    const lookup = view.childLookup(obj);
    const answers = (): Array<object | undefined> => ['a', 'n', 'inner', 'hidden', 'x'].map(lookup);
    const before = answers();
    for (let i = 0; i < 2000; i++) expect(lookup(`absent${i}`)).toBeUndefined();
    expect(answers()).toEqual(before);
    expect(before).toEqual([a, undefined, obj.inner, undefined, undefined]);
  });

  it("finds a Checkpoint's children by name as its listing names them, in every listing mode", () => {
    const root = { a: v(1), save_counter: v(2), opt: v(3), root: v(4) };
    const names = ['a', 'save_counter', 'opt', 'root', 'other', 'missing'];
    for (const mode of ['view', 'restore', 'save'] as const) {
      for (const counted of [false, true]) {
        // `a` names a root child and a named object that is not trackable: the listing keeps the root's.
        class Opaque {
          n = 1;
        }
        const checkpoints = [
          new Checkpoint({ root, opt: v(5), other: v(6) }),
          new Checkpoint({ opt: v(5) }),
          new Checkpoint({ root, a: new Opaque() }),
        ];
        for (const ckpt of checkpoints) {
          if (counted) ckpt.saveCounter.advance();
          const listing: ChildListing = { mode };
          const listed = new TrackableView(ckpt, listing).children(ckpt);
          for (const name of names) {
            expect([mode, counted, name, new TrackableView(ckpt, listing).child(ckpt, name)]).toEqual([
              mode,
              counted,
              name,
              listed.get(name),
            ]);
          }
        }
      }
    }
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

describe('one child-listing protocol, and the adapter hooks restore and save consult', () => {
  it('passes the listing mode to [trackableChildren]: a save writes its names, a restore finds them', async () => {
    const fs = new MemoryFileSystem();
    const written = v(7);
    const modes: string[] = [];
    const listing = (value: tf.Variable) => ({
      [trackableChildren]: (l: ChildListing) => {
        modes.push(l.mode);
        return l.mode === 'save'
          ? [['as_saved', value]]
          : [
              ['live_name', value],
              ['as_saved', value],
            ];
      },
    });
    await new Checkpoint({ obj: listing(written) }).write('/ckpt', { fs });
    const view = await CheckpointView.open('/ckpt', { fs });
    expect([...view.children(view.children(0).get('obj')!).keys()]).toEqual(['as_saved']);

    const target = v(0);
    const status = await new Checkpoint({ obj: listing(target) }).restore('/ckpt', { fs });
    status.assertConsumed();
    expect(await target.data()).toEqual(Float32Array.of(7));
    expect(modes).toEqual(['save', 'restore']);
  });

  it('lets an adapter resolve checkpoint names, read its node and explain a value that does not fit', async () => {
    const fs = new MemoryFileSystem();
    await new Checkpoint({ pair: { old_x: tf.variable(tf.tensor1d([1, 2])) } }).write('/ckpt', { fs });

    class Pair {
      constructor(readonly x: tf.Variable) {}
    }
    const seen: string[][] = [];
    const explained: Array<{ stored: readonly number[]; live: readonly number[] }> = [];
    const checked = new Set<object>();
    const removers = [
      registerTrackableAdapter({
        name: 'test Pair',
        matches: (obj) => obj instanceof Pair,
        children: (obj) => [['x', (obj as Pair).x]],
        resolveChild: (obj, _checkpointChildren, listed) => (name) =>
          name === 'old_x' ? (obj as Pair).x : listed.get(name),
        bind: (_obj, checkpointChildren) => void seen.push([...checkpointChildren.keys()]),
      }),
      registerTrackableAdapter({
        name: 'test checked variable',
        matches: (obj) => checked.has(obj),
        children: () => [],
        checkValue(_obj, stored, live, path) {
          explained.push({ stored: stored.shape, live: live.shape });
          throw new MismatchError(`${path} was written by another version of Pair`, { key: path });
        },
      }),
    ];
    try {
      const x = tf.variable(tf.tensor1d([0, 0]));
      (await new Checkpoint({ pair: new Pair(x) }).restore('/ckpt', { fs })).assertConsumed();
      expect(await x.data()).toEqual(Float32Array.of(1, 2));
      expect(seen).toEqual([['old_x']]);

      const wide = tf.variable(tf.tensor1d([0, 0, 0]));
      checked.add(wide);
      await expect(new Checkpoint({ pair: new Pair(wide) }).restore('/ckpt', { fs })).rejects.toThrow(
        new MismatchError('(root).pair.old_x was written by another version of Pair'),
      );
      expect(explained).toEqual([{ stored: [2], live: [3] }]);
      expect(await wide.data()).toEqual(Float32Array.of(0, 0, 0));
    } finally {
      for (const remove of removers) remove();
    }
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
  const graph = {
    nodes: [
      node([
        ['a', 1],
        ['b', 2],
      ]),
      node([], ['VARIABLE_VALUE']),
      node([['bad', 9]]),
    ],
  };
  const bytes = encodeObjectGraph(graph);

  it('opens without decoding nodes, and fails on a bad node only when it is used', () => {
    const stored = decodeObjectGraph(bytes, 'f.data');
    expect(stored.numNodes).toBe(3);
    const view = CheckpointView.fromObjectGraph(stored);
    expect(view.children(0)).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    expect(view.node(1)).toMatchObject(graph.nodes[1]!);
    const expected = new CorruptCheckpointError(
      "f.data: object graph node 2's child bad refers to node 9, but the graph has 3 nodes",
    );
    expect(() => view.children(2)).toThrow(expected);
    expect(() => view.descendants()).toThrow(expected);
    expect(() => stored.nodes).toThrow(expected);
    expect(() => stored.node(3)).toThrow(
      new InvalidArgumentError('Node 3 does not exist: the object graph has 3 nodes'),
    );
  });

  it('counts children and slot variables, and reads a node once, without keeping it decoded', () => {
    const stored = decodeObjectGraph(bytes, 'f.data');
    const view = CheckpointView.fromObjectGraph(stored);
    expect([0, 1, 2].map((id) => view.childCount(id))).toEqual([2, 0, 1]);
    expect([0, 1, 2].map((id) => view.slotVariableCount(id))).toEqual([0, 0, 0]);
    // peekNode decodes and checks the node as node() does, but a second peek decodes it again...
    expect(view.peekNode(1)).toEqual(view.peekNode(1));
    expect(view.peekNode(1)).not.toBe(view.peekNode(1));
    expect(() => view.peekNode(2)).toThrow(CorruptCheckpointError);
    // ...until node() has kept it.
    const kept = view.node(1);
    expect(view.peekNode(1)).toBe(kept);
    expect(() => view.childCount(3)).toThrow(InvalidArgumentError);
  });

  it("reads children as TF's dict does: a repeated name at its first place with its last id, decoded or stored", () => {
    const refs = (names: string[]): Array<{ localName: string; nodeId: number }> =>
      names.map((localName, nodeId) => ({ localName, nodeId }));
    const asRefs = (list: ChildList): Array<{ localName: string; nodeId: number }> =>
      Array.from({ length: list.length }, (_, i) => ({ localName: list.localName(i), nodeId: list.nodeId(i) }));
    /** The same references as a stored graph's root lists them (read from its bytes, names made when asked). */
    const stored = (r: Array<{ localName: string; nodeId: number }>): ChildList => {
      const leaf = {
        children: [],
        attributes: [],
        slotVariables: [],
        registeredSaver: null,
        hasCheckpointValues: null,
      };
      const nodes = [{ ...leaf, children: r }, ...Array.from({ length: r.length }, () => leaf)];
      return decodeObjectGraph(encodeObjectGraph({ nodes }), 'f').childList(0);
    };
    for (const n of [3, 8, 9, 1000]) {
      // Names of one to three bytes, some not ASCII: equal bytes are equal names.
      const unique = refs(Array.from({ length: n }, (_, i) => (i % 5 === 4 ? `é${i}` : `v${i}`)));
      const repeated = refs([...unique.map((r) => r.localName), unique[1]!.localName, unique[0]!.localName]);
      for (const list of [ReferenceList, stored].map(
        (make) => (r: typeof unique) => (make === ReferenceList ? new ReferenceList(r) : stored(r)),
      )) {
        const plain = list(unique);
        expect(childrenByName(plain)).toBe(plain);
        const merged = asRefs(childrenByName(list(repeated)));
        expect(merged.map((r) => r.localName)).toEqual(unique.map((r) => r.localName));
        expect(merged.slice(0, 3).map((r) => r.nodeId)).toEqual([n + 1, n, 2]);
        expect(merged).toEqual(
          [...new CheckpointViewLike(repeated).children()].map(([localName, nodeId]) => ({ localName, nodeId })),
        );
      }
    }
  });

  it('matches repeated names as TF does (first place, last id), among 100 children of which a model has some', () => {
    const leaf = { children: [], attributes: [], slotVariables: [], registeredSaver: null, hasCheckpointValues: null };
    // Root children: c0..c99 (nodes 1..100), then c5 again (node 101) and c0 again (node 102).
    const children = Array.from({ length: 100 }, (_, i) => ({ localName: `c${i}`, nodeId: 1 + i }));
    children.push({ localName: 'c5', nodeId: 101 }, { localName: 'c0', nodeId: 102 });
    const nodes = [{ ...leaf, children }, ...Array.from({ length: 102 }, () => leaf)];
    const stored = CheckpointView.fromObjectGraph(decodeObjectGraph(encodeObjectGraph({ nodes }), 'f'));
    const decoded = CheckpointView.fromObjectGraph({ nodes });
    // Plain objects are trackable; each is its own.
    const live = { c0: { n: 0 }, c5: { n: 5 }, c7: { n: 7 } };
    const all = Object.fromEntries(children.map((c) => [c.localName, { n: c.nodeId }]));
    for (const view of [stored, decoded]) {
      // Some children found (the found ones deduplicated), and all of them.
      expect([...view.match(live)]).toEqual([
        [0, live],
        [102, live.c0],
        [101, live.c5],
        [8, live.c7],
      ]);
      const matched = view.match(all);
      expect(matched.size).toBe(101);
      expect([...matched.keys()].slice(0, 4)).toEqual([0, 102, 2, 3]);
      expect(matched.get(101)).toBe(all.c5);
      expect(matched.has(1) || matched.has(6)).toBe(false);
    }
  });

  it("reads a stored node's many children without decoding it, and fails on its bad ids and names as decoding does", () => {
    const leaf = { children: [], attributes: [], slotVariables: [], registeredSaver: null, hasCheckpointValues: null };
    /** A root of 100 children (enough to be read as a table), the first one `first`, and its leaves. */
    const graphOf = (first: { localName: string; nodeId: number }): Uint8Array => {
      const children = [first, ...Array.from({ length: 99 }, (_, i) => ({ localName: `c${i}`, nodeId: 1 + i }))];
      return encodeObjectGraph({ nodes: [{ ...leaf, children }, ...children.slice(1).map(() => leaf)] });
    };
    const stored = decodeObjectGraph(graphOf({ localName: 'a', nodeId: 1 }), 'f');
    const list = CheckpointView.fromObjectGraph(stored).childList(0);
    expect([list.length, list.nodeId(0), list.localName(0), list.localName(99)]).toEqual([100, 1, 'a', 'c98']);
    expect(() => list.nodeId(100)).toThrow(RangeError);
    // Read, not decoded: the node is decoded afresh when asked for.
    expect(stored.peek(0)).not.toBe(stored.peek(0));
    // An id out of range fails when the list is read, as node() fails.
    const badId = decodeObjectGraph(graphOf({ localName: 'a', nodeId: 100 }), 'f');
    expect(() => badId.childList(0)).toThrow(/node 0's child #0 refers to node 100, but the graph has 100 nodes/);
    expect(() => badId.node(0)).toThrow(CorruptCheckpointError);
    // A name that is not UTF-8 fails when it is made, as protobuf's proto3 strings do.
    const bytes = graphOf({ localName: 'ab', nodeId: 1 });
    bytes[bytes.indexOf(0x61)] = 0xff;
    const badName = decodeObjectGraph(bytes, 'f').childList(0);
    expect(badName.nodeId(0)).toBe(1);
    expect(() => badName.localName(0)).toThrow(CorruptCheckpointError);
    expect(() => decodeObjectGraph(bytes, 'f').node(0)).toThrow(CorruptCheckpointError);
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
    expect(() => decodeObjectGraph(new Uint8Array(0), 'f')).toThrow(
      new CorruptCheckpointError('f: object graph has no nodes'),
    );
  });
});
