/**
 * Where a tfjs variable's current value lives, when a restore may overwrite it there instead of allocating a new
 * value and assigning it. Two backends keep values in memory JavaScript can write:
 *  - `cpu`: `backend.data.get(dataId).values` is the typed array itself (tfjs hands it out without a copy, which
 *    is why arrays `dataSync()` returned earlier see the restored values);
 *  - `wasm`: `backend.dataIdMap.get(dataId).memoryOffset` is the value's place in the module's heap.
 * Anything else (WebGL textures, tfjs-node's TensorFlow tensors, backends this module does not know) has no such
 * memory, and the restore assigns a new value as before.
 *
 * A value may be overwritten only when nothing else refers to it: the backend's `refCount` for the dataId must be
 * 1 (tfjs's `clone()`, `reshape()` and `tf.variable(t)` while `t` lives all share a dataId and raise it), and on
 * the CPU backend the typed array must span its whole ArrayBuffer (a variable made from a slice of another tensor
 * holds a view into that tensor's memory).
 */

import type { TfjsDType } from './tfjs_conversion';
import { tfjsCore } from './tfjs_module';
import type { TfjsVariableLike } from './tfjs_types';

/** A variable's value, writable where it lives. */
export interface InPlaceMemory {
  readonly backend: 'cpu' | 'wasm';
  readonly byteLength: number;
  /**
   * The value's bytes as they are now, to be written before the next await: a wasm heap that grows replaces its
   * ArrayBuffer, detaching earlier views.
   */
  view(): Uint8Array;
  /** True on the CPU backend, whose typed array never moves; false on wasm, whose heap may. */
  readonly fixed: boolean;
  /** The dataId the memory belongs to: two targets with one dataId are one value. */
  readonly dataId: object;
}

/** Whether a restore can write a variable's value into its existing memory (`memory`), or why not (`reason`). */
export type InPlaceSupport = { memory: InPlaceMemory; reason?: undefined } | { memory?: undefined; reason: string };

/** Bytes per element of the dtypes stored the same way in a checkpoint and in tfjs's JS-visible backends. */
const ELEMENT_BYTES: Partial<Record<TfjsDType, number>> = { float32: 4, int32: 4, bool: 1 };

const TYPED_ARRAY: Partial<Record<TfjsDType, new (length: number) => ArrayBufferView>> = {
  float32: Float32Array,
  int32: Int32Array,
  bool: Uint8Array,
};

// tfjs internals, read defensively (each field optional): another tfjs version may lay them out otherwise.
interface EngineInternals {
  registry?: Record<string, object>;
  state?: { tensorInfo?: WeakMap<object, { backend: object }> };
}

interface CpuData {
  values?: unknown;
  refCount?: number;
}

interface WasmData {
  memoryOffset?: number | null;
  refCount?: number;
}

interface CpuBackendInternals {
  data?: { get(dataId: object): CpuData | undefined };
}

interface WasmBackendInternals {
  dataIdMap?: { get(dataId: object): WasmData | undefined };
  wasm: { HEAPU8: Uint8Array } | null;
}

/** The name the engine registered a backend under ('cpu', 'wasm', 'webgl', 'tensorflow', …). */
function backendName(engine: EngineInternals, backend: object): string | undefined {
  for (const [name, b] of Object.entries(engine.registry ?? {})) if (b === backend) return name;
  return undefined;
}

function cpuMemory(backend: CpuBackendInternals, v: TfjsVariableLike, dtype: TfjsDType, bytes: number): InPlaceSupport {
  const data = backend.data?.get(v.dataId);
  if (data === undefined) return { reason: 'the cpu backend holds no data for it' };
  if (data.refCount !== 1) return { reason: `its value is shared with ${(data.refCount ?? 0) - 1} other tensor(s)` };
  const values = data.values;
  const expected = TYPED_ARRAY[dtype];
  if (expected === undefined || !(values instanceof expected) || values.byteLength !== bytes) {
    return { reason: 'its values are not a typed array of its size' };
  }
  if (values.byteOffset !== 0 || values.buffer.byteLength !== bytes) {
    return { reason: 'its values are a view into a larger buffer (another tensor may use the rest)' };
  }
  const view = new Uint8Array(values.buffer, 0, bytes);
  return { memory: { backend: 'cpu', byteLength: bytes, view: () => view, fixed: true, dataId: v.dataId } };
}

function wasmMemory(backend: WasmBackendInternals, v: TfjsVariableLike, bytes: number): InPlaceSupport {
  const data = backend.dataIdMap?.get(v.dataId);
  if (data === undefined) return { reason: 'the wasm backend holds no data for it' };
  if (data.refCount !== 1) return { reason: `its value is shared with ${(data.refCount ?? 0) - 1} other tensor(s)` };
  const offset = data.memoryOffset;
  const wasm = backend.wasm;
  if (typeof offset !== 'number' || wasm === null || !(wasm.HEAPU8 instanceof Uint8Array)) {
    return { reason: 'the wasm backend exposes no heap memory for it' };
  }
  if (offset + bytes > wasm.HEAPU8.length) return { reason: 'its memory lies outside the wasm heap' };
  return {
    memory: {
      backend: 'wasm',
      byteLength: bytes,
      view: () => new Uint8Array(wasm.HEAPU8.buffer, offset, bytes),
      fixed: false,
      dataId: v.dataId,
    },
  };
}

/** Whether `v`'s value can be overwritten in place, and where; or why not. */
export function inPlaceSupport(v: TfjsVariableLike): InPlaceSupport {
  if (v.isDisposed) return { reason: 'it is disposed' };
  const dtype = v.dtype as TfjsDType;
  const width = ELEMENT_BYTES[dtype];
  if (width === undefined) return { reason: `tfjs does not keep ${dtype} values as one flat buffer` };
  const engine = tfjsCore().engine() as unknown as EngineInternals;
  const backend = engine.state?.tensorInfo?.get(v.dataId)?.backend;
  if (backend === undefined) return { reason: 'the engine does not know its backend' };
  const name = backendName(engine, backend);
  const bytes = v.size * width;
  if (name === 'cpu') return cpuMemory(backend, v, dtype, bytes);
  if (name === 'wasm') return wasmMemory(backend as WasmBackendInternals, v, bytes);
  return { reason: `the ${name ?? 'unregistered'} backend keeps values in memory JavaScript cannot write` };
}
