/**
 * The index's keys by name: an open-addressing hash table over typed arrays, entry i holding key i. A Map from
 * 10^6 key strings to numbers was most of an index's open (its growth rehashes every entry, and the collector
 * walks its backing store on every major collection); here a scanned ASCII key is only its bytes in one arena
 * until its text is asked for, and its hash is computed from those bytes as they are scanned.
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

/**
 * The hash of the key whose UTF-8 bytes are bytes[0, length) when they are all ASCII (equal to hashText of its
 * text), else null: the check and the hash in one pass, for scanning an index.
 */
export function hashAscii(bytes: Uint8Array, length: number): number | null {
  let h = FNV_OFFSET;
  for (let i = 0; i < length; i++) {
    const b = bytes[i] ?? 0x80;
    if (b >= 0x80) return null;
    h = timesPrime(h ^ b);
  }
  return h;
}

/** FNV-1a over bytes[start, end): for comparing byte strings among themselves (hashAscii of ASCII ones). */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = timesPrime(h ^ (bytes[i] ?? 0)); // i < end <= bytes.length
  return h;
}

const EMPTY = -1;

/** Decodes arena bytes, which are all ASCII, into the key's text. */
const asciiText = new TextDecoder('utf-8');

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
  private hashes = new Int32Array(1024);
  /** Entry index per slot, EMPTY where none; the length is a power of two, at most half of it used. */
  private slots = new Int32Array(2048).fill(EMPTY);
  private count = 0;
  /** The key of the last lookup and its entry: has() then entry() of one key hash it once. */
  private lastKey: string | null = null;
  private lastIndex = EMPTY;

  get size(): number {
    return this.count;
  }

  /** Adds a key not yet present, with its hash (hashText of it); returns its entry index. */
  add(key: string, hash: number): number {
    const i = this.append(hash, 0);
    this.texts[i] = key;
    return i;
  }

  /**
   * Adds the key whose ASCII bytes are bytes[0, length), not yet present, with its hash (hashAscii of them);
   * returns its entry index. The bytes are copied.
   */
  addAscii(bytes: Uint8Array, length: number, hash: number): number {
    const i = this.append(hash, length);
    const arena = this.arena;
    for (let k = 0, at = this.starts[i] ?? 0; k < length; k++, at++) arena[at] = bytes[k] ?? 0; // k < length
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
    const mask = this.slots.length - 1;
    const hash = hashText(key);
    let at = hash & mask;
    let i: number;
    while ((i = this.slots[at] ?? EMPTY) !== EMPTY) {
      if (this.hashes[i] === hash && this.equals(i, key)) break;
      at = (at + 1) & mask;
    }
    if (i !== EMPTY) this.texts[i] ??= key;
    this.lastKey = key;
    this.lastIndex = i;
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

  /** Makes room for entry `count` with `length` arena bytes, records its hash and slot; returns its index. */
  private append(hash: number, length: number): number {
    const i = this.count;
    if (2 * (i + 1) > this.slots.length) this.grow();
    if (i === this.hashes.length) {
      this.hashes = grownCopy(this.hashes, 2 * i);
      this.starts = grownCopy(this.starts, 2 * i + 1);
    }
    const start = this.starts[i] ?? 0;
    if (start + length > this.arena.length) {
      const grown = new Uint8Array(Math.max(2 * this.arena.length, start + length));
      grown.set(this.arena.subarray(0, start));
      this.arena = grown;
    }
    this.starts[i + 1] = start + length;
    this.hashes[i] = hash;
    // A slot per key, pushed in order: an array written at scattered indexes degrades to a slow dictionary.
    this.texts.push(undefined);
    this.count = i + 1;
    this.place(i, hash);
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

  private grow(): void {
    this.slots = new Int32Array(2 * this.slots.length).fill(EMPTY);
    for (let i = 0; i < this.count; i++) this.place(i, this.hashes[i] ?? 0);
  }
}

function grownCopy(a: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(length);
  grown.set(a);
  return grown;
}
