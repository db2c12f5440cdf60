/**
 * The index's keys by name: an open-addressing hash table over typed arrays, entry i holding key i. A Map from
 * 10^6 key strings to numbers was most of an index's open (its growth rehashes every entry, and the collector
 * walks its backing store on every major collection); here the only per-key objects are the key strings
 * themselves, and a key's hash at open is computed from its bytes as they are scanned.
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

const EMPTY = -1;

export class KeyIndex {
  /** Keys in the order they were added (the table's order). */
  readonly keys: string[] = [];
  private hashes = new Int32Array(1024);
  /** Entry index per slot, EMPTY where none; the length is a power of two, at most half of it used. */
  private slots = new Int32Array(2048).fill(EMPTY);
  /** The key of the last lookup and its entry: has() then entry() of one key hash it once. */
  private lastKey: string | null = null;
  private lastIndex = EMPTY;

  get size(): number {
    return this.keys.length;
  }

  /** Adds a key not yet present, with its hash (hashText of it); returns its entry index. */
  add(key: string, hash: number): number {
    const i = this.keys.length;
    if (2 * (i + 1) > this.slots.length) this.grow();
    if (i === this.hashes.length) {
      const grown = new Int32Array(2 * i);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.keys.push(key);
    this.hashes[i] = hash;
    this.place(i, hash);
    // The last lookup may have been of this key, then absent.
    this.lastKey = null;
    return i;
  }

  /** The entry index of `key`, or -1. */
  find(key: string): number {
    if (key === this.lastKey) return this.lastIndex;
    const mask = this.slots.length - 1;
    const hash = hashText(key);
    let at = hash & mask;
    let i: number;
    while ((i = this.slots[at] ?? EMPTY) !== EMPTY) {
      if (this.hashes[i] === hash && this.keys[i] === key) break;
      at = (at + 1) & mask;
    }
    this.lastKey = key;
    this.lastIndex = i;
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
    for (let i = 0; i < this.keys.length; i++) this.place(i, this.hashes[i] ?? 0);
  }
}
