// Type declarations for dependencies that ship none.

declare module 'crc-32/crc32c' {
  /** CRC-32C of `data`, continuing from `seed` (a previous result). May be negative: use `>>> 0`. */
  export function buf(data: Uint8Array, seed?: number): number;
}

declare module 'snappyjs/snappy_decompressor' {
  /** A raw Snappy block's decoder (snappyjs 0.7's own module, without the compressor). */
  export class SnappyDecompressor {
    constructor(compressed: Uint8Array);
    /** The uncompressed length from the block's varint header, or -1 when it is malformed. */
    readUncompressedLength(): number;
    /** Decodes into `out` (exactly the uncompressed length); false when the stream is invalid. */
    uncompressToBuffer(out: Uint8Array): boolean;
  }
}

declare module 'snappyjs' {
  export function compress(uncompressed: Uint8Array): Uint8Array;
}

declare module 'jsfive' {
  /** jsfive's parsed object header: messages found while parsing (each a Map with `type`, `offset_to_message`). */
  export interface DataObjects {
    readonly offset: number;
    find_msg_type(type: number): Array<Map<string, number>>;
    _get_data_message_properties(msgOffset: number): [number, number | undefined, number, number];
  }
  export class Group {
    readonly name: string;
    readonly keys: string[];
    readonly attrs: Record<string, unknown>;
    readonly _dataobjects: DataObjects;
    get(path: string): Group | Dataset;
  }
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
  export class Dataset {
    readonly name: string;
    /** null for a null dataspace. */
    readonly shape: number[] | null;
    /** A numpy-like dtype string (`<f4`) or an array describing a compound/vlen/reference type. */
    readonly dtype: string | unknown[];
    readonly attrs: Record<string, unknown>;
    readonly value: unknown;
    readonly _dataobjects: DataObjects;
  }
}
