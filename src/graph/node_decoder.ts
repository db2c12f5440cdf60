/**
 * A focused decoder of one TrackableObjectGraph.TrackableObject message (trackable_object_graph.proto), the hot
 * part of opening a graph of 10^6 nodes. protobufjs made a message object per node, three arrays per node even when
 * empty, and built short strings by concatenation, ~760 bytes of heap per variable node that the collector then
 * traced on every major collection. This makes one plain object per node and per reference, shares one frozen
 * empty array for every empty list, and makes each string flat in one step (the common attribute name
 * `VARIABLE_VALUE` and the empty string are not made at all). Semantics follow protobuf's: fields in any order,
 * unknown fields (and known ones of another wire type) skipped, the last value of a singular scalar wins and
 * singular messages merge, strings strict UTF-8 as protobufjs reads proto3 strings. Malformed bytes throw a plain
 * Error; the caller turns it into a CorruptCheckpointError. test/lean_decoders.test.ts holds it to protobufjs.
 */
import type {
  ObjectReference,
  RegisteredSaver,
  SerializedTensor,
  SlotVariableReference,
  TrackableObject,
} from './object_graph';
import { VARIABLE_VALUE } from './keys';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The one empty list every node without children, attributes or slot variables shares. */
const NONE: readonly never[] = Object.freeze([]);

const VARIABLE_VALUE_BYTES = Array.from(VARIABLE_VALUE, (c) => c.charCodeAt(0));

/** Wire types. */
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const FIXED32 = 5;

/** Deepest nesting of (obsolete, never written by TensorFlow) groups skipped, as protobufjs bounds recursion. */
const MAX_GROUP_DEPTH = 100;

/** A cursor over a message's bytes; every read stays below `limit`. One serves every node of a graph. */
export class NodeReader {
  pos = 0;
  limit = 0;

  constructor(readonly buf: Uint8Array) {}

  /** A varint's low 32 bits as an unsigned number (protobuf's int32 fields are these bits read signed). */
  varint(): number {
    const buf = this.buf;
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.limit) throw new Error(`truncated varint at offset ${this.pos}`);
      const byte = buf[this.pos++] ?? 0; // pos < limit <= buf.length, checked above
      if (shift < 32) result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
    }
    throw new Error(`varint longer than 10 bytes at offset ${this.pos}`);
  }

  /** Reads a length prefix; returns where the delimited bytes end. */
  delimited(): number {
    const length = this.varint();
    const end = this.pos + length;
    if (end > this.limit) throw new Error(`length ${length} at offset ${this.pos} runs past the end of its message`);
    return end;
  }

  string(): string {
    const end = this.delimited();
    const start = this.pos;
    this.pos = end;
    return stringAt(this.buf, start, end);
  }

  /** Skips the field whose tag was just read; groups nest at most MAX_GROUP_DEPTH deep. */
  skip(tag: number, depth = 0): void {
    switch (tag & 7) {
      case VARINT:
        this.varint();
        return;
      case FIXED64:
        this.advance(8);
        return;
      case LENGTH_DELIMITED:
        this.pos = this.delimited();
        return;
      case FIXED32:
        this.advance(4);
        return;
      case START_GROUP: {
        if (depth === MAX_GROUP_DEPTH)
          throw new Error(`groups nested more than ${MAX_GROUP_DEPTH} deep at offset ${this.pos}`);
        for (;;) {
          const inner = this.tag();
          if ((inner & 7) === END_GROUP) {
            if (inner >>> 3 !== tag >>> 3) throw new Error(`mismatched end of group at offset ${this.pos}`);
            return;
          }
          this.skip(inner, depth + 1);
        }
      }
      default:
        throw new Error(`invalid wire type ${tag & 7} at offset ${this.pos}`);
    }
  }

  tag(): number {
    const tag = this.varint();
    if (tag >>> 3 === 0) throw new Error(`invalid field number 0 at offset ${this.pos}`);
    return tag;
  }

  /** Enters a length-delimited submessage; returns the enclosing limit, to be restored by the caller. */
  enter(): number {
    const end = this.delimited();
    const outer = this.limit;
    this.limit = end;
    return outer;
  }

  private advance(n: number): void {
    if (this.pos + n > this.limit) throw new Error(`truncated field at offset ${this.pos}`);
    this.pos += n;
  }
}

/** The proto3 string in buf[start, end): strict UTF-8 (a plain Error otherwise). */
export function stringAt(buf: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length === 0) return '';
  if (length === VARIABLE_VALUE_BYTES.length && isVariableValue(buf, start)) return VARIABLE_VALUE;
  // TextDecoder makes short ASCII strings as fast as String.fromCharCode.apply, and longer ones faster.
  return strictUtf8.decode(buf.subarray(start, end));
}

function isVariableValue(buf: Uint8Array, start: number): boolean {
  for (let i = 0; i < VARIABLE_VALUE_BYTES.length; i++) if (buf[start + i] !== VARIABLE_VALUE_BYTES[i]) return false;
  return true;
}

/** Field tags (field number << 3 | wire type) of the fields decoded. */
const CHILDREN = (1 << 3) | LENGTH_DELIMITED;
const ATTRIBUTES = (2 << 3) | LENGTH_DELIMITED;
const SLOT_VARIABLES = (3 << 3) | LENGTH_DELIMITED;
const REGISTERED_SAVER = (4 << 3) | LENGTH_DELIMITED;
const HAS_CHECKPOINT_VALUES = (5 << 3) | LENGTH_DELIMITED;
const F1_VARINT = (1 << 3) | VARINT;
const F1_BYTES = (1 << 3) | LENGTH_DELIMITED;
const F2_BYTES = (2 << 3) | LENGTH_DELIMITED;
const F3_VARINT = (3 << 3) | VARINT;
const F3_BYTES = (3 << 3) | LENGTH_DELIMITED;
const F4_VARINT = (4 << 3) | VARINT;

/**
 * Decodes the TrackableObject stored in w.buf[start, end); without its children (an empty list) when
 * `withChildren` is false: what reading a node's attributes needs, for a node of 10^6 children too.
 */
export function decodeTrackableObject(w: NodeReader, start: number, end: number, withChildren = true): TrackableObject {
  w.pos = start;
  w.limit = end;
  let children: ObjectReference[] | null = null;
  let attributes: SerializedTensor[] | null = null;
  let slotVariables: SlotVariableReference[] | null = null;
  let registeredSaver: RegisteredSaver | null = null;
  let hasCheckpointValues: boolean | null = null;
  while (w.pos < w.limit) {
    const tag = w.tag();
    switch (tag) {
      // A list starts as a literal of its first element: `[]` then push() reserves room for 17, and most
      // nodes have one attribute.
      case CHILDREN: {
        if (!withChildren) {
          w.skip(tag);
          break;
        }
        const c = objectReference(w);
        if (children === null) children = [c];
        else children.push(c);
        break;
      }
      case ATTRIBUTES: {
        const a = serializedTensor(w);
        if (attributes === null) attributes = [a];
        else attributes.push(a);
        break;
      }
      case SLOT_VARIABLES: {
        const s = slotVariableReference(w);
        if (slotVariables === null) slotVariables = [s];
        else slotVariables.push(s);
        break;
      }
      // A singular message field given again is merged into the one before, field by field, as protobuf does.
      case REGISTERED_SAVER:
        registeredSaver = registeredSaverOf(w, registeredSaver);
        break;
      case HAS_CHECKPOINT_VALUES:
        hasCheckpointValues = boolValue(w, hasCheckpointValues ?? false);
        break;
      default:
        w.skip(tag);
    }
  }
  return {
    children: children ?? NONE,
    attributes: attributes ?? NONE,
    slotVariables: slotVariables ?? NONE,
    registeredSaver,
    hasCheckpointValues,
  };
}

/**
 * How many children (or slot variables) the TrackableObject in w.buf[start, end) lists, without decoding it: a
 * restore asks this of every node it binds, and most are leaves it need not decode to know.
 */
export function countChildren(w: NodeReader, start: number, end: number): number {
  return countTag(w, start, end, CHILDREN);
}

export function countSlotVariables(w: NodeReader, start: number, end: number): number {
  return countTag(w, start, end, SLOT_VARIABLES);
}

function countTag(w: NodeReader, start: number, end: number, wanted: number): number {
  w.pos = start;
  w.limit = end;
  let n = 0;
  while (w.pos < w.limit) {
    const tag = w.tag();
    if (tag === wanted) n++;
    w.skip(tag);
  }
  return n;
}

/** A node's children as typed arrays: child i's node id, and where its name's bytes lie. */
export interface ChildTable {
  readonly nodeIds: Int32Array;
  readonly nameStarts: Uint32Array;
  readonly nameEnds: Uint32Array;
}

/**
 * The children of the TrackableObject in w.buf[start, end), with the same semantics as decodeTrackableObject's
 * but no object or string per child: what matching a node of 10^6 children needs. `count` is the node's
 * countChildren (its caller has counted them). Names are left as bytes, not checked as UTF-8 here (stringAt checks
 * them when they are made).
 */
export function decodeChildTable(w: NodeReader, start: number, end: number, count: number): ChildTable {
  const table = {
    nodeIds: new Int32Array(count),
    nameStarts: new Uint32Array(count),
    nameEnds: new Uint32Array(count),
  };
  w.pos = start;
  w.limit = end;
  for (let i = 0; w.pos < w.limit;) {
    const tag = w.tag();
    if (tag !== CHILDREN) {
      w.skip(tag);
      continue;
    }
    const outer = w.enter();
    let nodeId = 0;
    let nameStart = 0;
    let nameEnd = 0;
    while (w.pos < w.limit) {
      const field = w.tag();
      if (field === F1_VARINT) nodeId = w.varint() | 0;
      else if (field === F2_BYTES) {
        nameEnd = w.delimited();
        nameStart = w.pos;
        w.pos = nameEnd;
      } else w.skip(field);
    }
    w.limit = outer;
    table.nodeIds[i] = nodeId;
    table.nameStarts[i] = nameStart;
    table.nameEnds[i] = nameEnd;
    i++;
  }
  return table;
}

function objectReference(w: NodeReader): ObjectReference {
  const outer = w.enter();
  let nodeId = 0;
  let localName = '';
  while (w.pos < w.limit) {
    const tag = w.tag();
    if (tag === F1_VARINT) nodeId = w.varint() | 0;
    else if (tag === F2_BYTES) localName = w.string();
    else w.skip(tag);
  }
  w.limit = outer;
  return { nodeId, localName };
}

function serializedTensor(w: NodeReader): SerializedTensor {
  const outer = w.enter();
  let name = '';
  let fullName = '';
  let checkpointKey = '';
  let optionalRestore = false;
  while (w.pos < w.limit) {
    const tag = w.tag();
    if (tag === F1_BYTES) name = w.string();
    else if (tag === F2_BYTES) fullName = w.string();
    else if (tag === F3_BYTES) checkpointKey = w.string();
    else if (tag === F4_VARINT) optionalRestore = w.varint() !== 0;
    else w.skip(tag);
  }
  w.limit = outer;
  return { name, fullName, checkpointKey, optionalRestore };
}

function slotVariableReference(w: NodeReader): SlotVariableReference {
  const outer = w.enter();
  let originalVariableNodeId = 0;
  let slotName = '';
  let slotVariableNodeId = 0;
  while (w.pos < w.limit) {
    const tag = w.tag();
    if (tag === F1_VARINT) originalVariableNodeId = w.varint() | 0;
    else if (tag === F2_BYTES) slotName = w.string();
    else if (tag === F3_VARINT) slotVariableNodeId = w.varint() | 0;
    else w.skip(tag);
  }
  w.limit = outer;
  return { originalVariableNodeId, slotName, slotVariableNodeId };
}

function registeredSaverOf(w: NodeReader, previous: RegisteredSaver | null): RegisteredSaver {
  const outer = w.enter();
  let name = previous?.name ?? '';
  let objectName = previous?.objectName ?? '';
  while (w.pos < w.limit) {
    const tag = w.tag();
    if (tag === F1_BYTES) name = w.string();
    else if (tag === F2_BYTES) objectName = w.string();
    else w.skip(tag);
  }
  w.limit = outer;
  return { name, objectName };
}

function boolValue(w: NodeReader, previous: boolean): boolean {
  const outer = w.enter();
  let value = previous;
  while (w.pos < w.limit) {
    const tag = w.tag();
    if (tag === F1_VARINT) value = w.varint() !== 0;
    else w.skip(tag);
  }
  w.limit = outer;
  return value;
}
