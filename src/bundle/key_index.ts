/**
 * The index's keys by name, entry i holding key i. A Map from 10^6 key strings to numbers was most of an index's
 * open (its growth rehashes every entry, and the collector walks its backing store on every major collection);
 * here a scanned ASCII key is only its bytes in one arena until its text is asked for, and keys are found by
 * binary search over the arena (the index's keys come sorted) until lookups are many enough to pay for an
 * open-addressing hash table over typed arrays: a restore of a few keys from an index of 10^6 builds none.
 */

/** FNV-1a offset basis (32 bits). */
const FNV_OFFSET = 0x811c9dc5 | 0;

/**
 * One FNV-1a step: `h` times the FNV prime 0x01000193 = 2^24 + 2^8 + 2^7 + 2^4 + 2^1 + 2^0, modulo 2^32, as a
 * sum of shifts (exact: six 32-bit terms stay far below 2^53). Not Math.imul: a builtin of another realm (a
 * test runner's or a page's sandbox) is not inlined, and hashing a 10^6-key index became ninety times slower.
 */
function timesPrime(h: number): number {
  return (h + (h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24)) | 0;
}

/** The hash of a key named by `text` (FNV-1a over its UTF-16 code units). */
export function hashText(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) h = timesPrime(h ^ text.charCodeAt(i));
  return h;
}

/** FNV-1a over bytes[start, end): for comparing byte strings among themselves (hashText of ASCII ones). */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = timesPrime(h ^ (bytes[i] ?? 0)); // i < end <= bytes.length
  return h;
}

const EMPTY = -1;

/** Decodes arena bytes, which are all ASCII, into the key's text. */
const asciiText = new TextDecoder('utf-8');

/**
 * Lookups answered by binary search before the hash table is built: at least this many, and a sixteenth of the
 * keys (a search costs about twenty scattered reads, adding a key to the table about one).
 */
const MIN_SEARCHES = 64;

export class KeyIndex {
  /**
   * The text of each key, where it has been made: keys scanned as ASCII bytes are kept as bytes in `arena` and
   * get a string only when asked for (by keys(), entry(), or a find that names them). Strings for 10^6 keys were
   * half of an index's open, most of it the collector's.
   */
  private readonly texts: Array<string | undefined> = [];
  /** ASCII keys' bytes, back to back; key i is arena[starts[i], starts[i + 1]) (an empty range: text in `texts`). */
  private arena = new Uint8Array(16 * 1024);
  private starts = new Int32Array(1025);
  private count = 0;
  /** Whether every key is in the arena, in increasing byte order (as scanned): binary search can find them. */
  private sorted = true;
  private searches = 0;
  /** The hash table, once built: each key's hash, and entry index per slot (EMPTY where none; at most half used). */
  private hashes: Int32Array | null = null;
  private slots = new Int32Array(0);
  /** The key of the last lookup and its entry: has() then entry() of one key find it once. */
  private lastKey: string | null = null;
  private lastIndex = EMPTY;

  get size(): number {
    return this.count;
  }

  /** Adds a key not yet present; returns its entry index. Keys added this way are found through the hash table. */
  add(key: string): number {
    const i = this.append(0);
    this.texts[i] = key;
    this.sorted = false;
    if (this.hashes !== null) this.insert(i, hashText(key));
    return i;
  }

  /**
   * Adds the key whose bytes are bytes[0, length), not yet present and greater than every key added before (as an
   * index scan finds them), ASCII or named as keyText names it (`text`, made only when they are not ASCII);
   * returns its entry index. The bytes are copied.
   */
  addScanned(bytes: Uint8Array, length: number, text: (bytes: Uint8Array) => string): number {
    const i = this.append(length);
    const arena = this.arena;
    let high = 0;
    for (let k = 0, at = this.starts[i] ?? 0; k < length; k++, at++) {
      const b = bytes[k] ?? 0; // k < length <= bytes.length
      arena[at] = b;
      high |= b;
    }
    if (high >= 0x80) {
      // Not ASCII: named by its text, outside the arena.
      this.starts[i + 1] = this.starts[i] ?? 0;
      this.texts[i] = text(bytes.subarray(0, length));
      this.sorted = false;
    }
    if (this.hashes !== null) this.insert(i, this.hashOf(i));
    return i;
  }

  /** The text of key i (made from its bytes on first use). */
  keyAt(i: number): string {
    let text = this.texts[i];
    if (text === undefined) {
      if (i < 0 || i >= this.count) throw new RangeError(`no key ${i} of ${this.count}`);
      text = asciiText.decode(this.arena.subarray(this.starts[i], this.starts[i + 1]));
      this.texts[i] = text;
    }
    return text;
  }

  /** Every key's text, in the order added. */
  keys(): string[] {
    const out = new Array<string>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.keyAt(i);
    return out;
  }

  /** The entry index of `key`, or -1. */
  find(key: string): number {
    if (key === this.lastKey) return this.lastIndex;
    const i =
      this.hashes === null && this.sorted && this.searches++ < Math.max(MIN_SEARCHES, this.count >>> 4)
        ? this.search(key)
        : this.probe(key);
    if (i !== EMPTY) this.texts[i] ??= key;
    this.lastKey = key;
    this.lastIndex = i;
    return i;
  }

  /** Binary search of the arena's keys, which are all ASCII and in increasing byte order. */
  private search(key: string): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const order = this.compare(mid, key);
      if (order === 0) return mid;
      if (order < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return EMPTY;
  }

  /**
   * The order of arena key i against `key`, code unit by code unit (byte order, for ASCII; a code unit above
   * 0x7f sorts after every ASCII byte, so a key that is not ASCII is found by none).
   */
  private compare(i: number, key: string): number {
    const start = this.starts[i] ?? 0;
    const length = (this.starts[i + 1] ?? 0) - start;
    const arena = this.arena;
    const n = Math.min(length, key.length);
    for (let k = 0; k < n; k++) {
      const d = (arena[start + k] ?? 0) - key.charCodeAt(k);
      if (d !== 0) return d;
    }
    return length - key.length;
  }

  private probe(key: string): number {
    const hashes = this.hashes ?? this.buildTable();
    const mask = this.slots.length - 1;
    const hash = hashText(key);
    let at = hash & mask;
    let i: number;
    while ((i = this.slots[at] ?? EMPTY) !== EMPTY) {
      if (hashes[i] === hash && this.equals(i, key)) break;
      at = (at + 1) & mask;
    }
    return i;
  }

  /** Whether key i is `key`: by its text when it has one, else by its ASCII bytes, code unit by code unit. */
  private equals(i: number, key: string): boolean {
    const text = this.texts[i];
    if (text !== undefined) return text === key;
    const start = this.starts[i] ?? 0;
    if ((this.starts[i + 1] ?? 0) - start !== key.length) return false;
    const arena = this.arena;
    for (let k = 0; k < key.length; k++) if (arena[start + k] !== key.charCodeAt(k)) return false;
    return true;
  }

  /** hashText of key i: of its text, or of its ASCII bytes (the same number). */
  private hashOf(i: number): number {
    const start = this.starts[i] ?? 0;
    const end = this.starts[i + 1] ?? 0;
    return end > start ? hashBytes(this.arena, start, end) : hashText(this.texts[i] ?? '');
  }

  /** Builds the hash table of every key so far, sized once for them. */
  private buildTable(): Int32Array {
    let size = 1024;
    while (size < 2 * this.count) size *= 2;
    this.slots = new Int32Array(size).fill(EMPTY);
    const hashes = new Int32Array(Math.max(1024, this.count));
    this.hashes = hashes;
    for (let i = 0; i < this.count; i++) {
      const hash = this.hashOf(i);
      hashes[i] = hash;
      this.place(i, hash);
    }
    return hashes;
  }

  /** Adds key i, just appended, to the built table. */
  private insert(i: number, hash: number): void {
    let hashes = this.hashes ?? this.buildTable();
    if (i >= hashes.length) this.hashes = hashes = grownCopy(hashes, 2 * i);
    hashes[i] = hash;
    if (2 * (i + 1) > this.slots.length) {
      this.slots = new Int32Array(2 * this.slots.length).fill(EMPTY);
      for (let k = 0; k < i; k++) this.place(k, hashes[k] ?? 0);
    }
    this.place(i, hash);
  }

  /** Makes room for entry `count` with `length` arena bytes; returns its index. */
  private append(length: number): number {
    const i = this.count;
    if (i + 1 === this.starts.length) this.starts = grownCopy(this.starts, 2 * i + 1);
    const start = this.starts[i] ?? 0;
    if (start + length > this.arena.length) {
      const grown = new Uint8Array(Math.max(2 * this.arena.length, start + length));
      grown.set(this.arena.subarray(0, start));
      this.arena = grown;
    }
    this.starts[i + 1] = start + length;
    // A slot per key, pushed in order: an array written at scattered indexes degrades to a slow dictionary.
    this.texts.push(undefined);
    this.count = i + 1;
    // The last lookup may have been of this key, then absent.
    this.lastKey = null;
    return i;
  }

  private place(i: number, hash: number): void {
    const mask = this.slots.length - 1;
    let at = hash & mask;
    while (this.slots[at] !== EMPTY) at = (at + 1) & mask;
    this.slots[at] = i;
  }
}

function grownCopy(a: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(length);
  grown.set(a);
  return grown;
}
