/**
 * Restores that overwrite values where they live instead of allocating new ones, and restores that write as they
 * read. A value read into new memory makes the process fault in and zero fresh pages on every restore, and an
 * all-or-nothing restore that way holds old and new values together (twice the model); overwriting the
 * variables' own memory (CPU and wasm backends, values no other tensor shares: see in_place_target) needs neither.
 *
 * What each mode promises:
 *  - atomic (the default): pass 1 reads every in-place value through a few small reused buffers and checks its
 *    crc32c, while the remaining values are read into new memory and converted as before; if anything fails, no
 *    variable has changed. Pass 2 reads the verified bytes into the variables' memory. The only failures left
 *    then are a file that changed between the passes (or a read error): the error, a PartialRestoreError, says so
 *    and names every variable that holds new bytes. Without checksum verification there is nothing to check
 *    before writing, so such restores allocate as before.
 *    How pass 2 knows it read the bytes pass 1 verified: a data file that vouches for its bytes
 *    (ByteSource.identity) is pinned before pass 1 and read in pass 2 without checksums (on the CPU backend
 *    straight into the variable's memory); after pass 2 its identity is taken again, and if it moved, every value
 *    read from it unchecked is checksummed where it landed, so only bytes that really changed fail the restore.
 *    Any other file has every piece checksummed again in pass 2. What vouches:
 *     - a local file (NodeFileSource): the open descriptor's device, inode, size and modification and change
 *       times. The descriptor stays open across both passes, so a file replaced by a rename is still the file
 *       read (its change time moves when its last name goes, which costs the check above, not the restore); a
 *       write into it, a truncation or a utimes() stamps its change time with the current clock tick. Not
 *       covered: a file that last changed within about a second (timestamps may not tell that change from the
 *       next, so it does not vouch and is checksummed), file systems that keep no true change times (some FUSE
 *       and network file systems), a changed system clock, writes through a shared memory map (the kernel
 *       stamps only the first write to a page after it was written back), and storage that returns other bytes
 *       for an unchanged file (pages dropped from the cache between the passes, read back wrong from a failing
 *       disk).
 *     - a memory source: its bytes, which the caller must not modify while it is open;
 *     - an HTTP file with a strong ETag: every request is pinned to it (If-Match).
 *    Small values are kept from pass 1 and copied, never read twice.
 *  - `atomic: false` (TensorFlow's behaviour): one pass, each value written as soon as it is read and verified,
 *    a few values in memory at a time (for remote sources, where two passes cost two downloads, and for models
 *    near the memory limit). Shapes and dtypes are checked from the index before the first write; any later
 *    failure leaves the variables it reached with new values, named in a PartialRestoreError.
 */
import {
  assertStoredCrc,
  crc32c,
  PieceBuffers,
  prepareCrc32c,
  readEntryInto,
  type TensorEntry,
  unmaskCrc,
  verifyEntry,
} from '../bundle';
import { at } from '../checked';
import { CheckpointError, ChecksumError, PartialRestoreError } from '../errors';
import type { CheckpointReader } from '../graph';
import { checkRange, type ByteSource } from '../io';
import type { Finalizer, InPlaceMemory, PreparedWrite } from '../trackable';
import { checkFits, prepareWrite, writePath } from './prepare_write';
import type { RestorePlan } from './restore';

/** How a restore writes: all or nothing or streaming, into new memory or in place (see the README's restore modes). */
export interface RestoreMode {
  /**
   * All or nothing (default true): if the restore fails, no variable has changed, except when the file changes
   * between the verify pass and the write pass of an in-place restore (then the error names what changed).
   * `false` writes each value as it is read, as TensorFlow does.
   */
  atomic?: boolean;
  /**
   * Overwrite variables' values in their own memory where the backend allows: peak memory is the model, not twice
   * the model. Default: false for all-or-nothing restores (verifying first takes a second pass over the file),
   * true with `atomic: false`. On the CPU backend
   * arrays returned earlier by `dataSync()`, and tensors sliced from a variable, share that memory and see the
   * restored values; `false` gives every variable new memory, as assign() does.
   */
  inPlace?: boolean;
  /** Verify crc32c checksums (default true). */
  verifyChecksums?: boolean;
}

/** Checkpoint dtypes whose stored bytes are a tfjs variable's bytes (little-endian). */
const STORED_AS_IS: Readonly<Record<string, string>> = { float32: 'float32', int32: 'int32', bool: 'bool' };

/** Tensors read at once: enough to keep the file system's reader threads busy. */
const STREAMS = 4;

/** Fallback values, and small values, read at once (as executeRestore reads them). */
const READ_CONCURRENCY = 16;

/** Values up to this size are kept from the verify pass and copied in by the write pass… */
const KEEP_MAX = 64 << 10;

/** …as long as all kept values stay within this (the extra memory an in-place restore may hold). */
const KEEP_BUDGET = 16 << 20;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The current in-place memory of write `i`'s target, if it still fits the entry. */
function memoryFor(plan: RestorePlan, i: number, entry: TensorEntry): InPlaceMemory | undefined {
  const memory = at(plan.writes, i, 'writes').target.inPlace?.().memory;
  return memory !== undefined && memory.byteLength === entry.size ? memory : undefined;
}

/** The writes that go into their variables' memory. */
function inPlaceWrites(plan: RestorePlan, reader: CheckpointReader, mode: RestoreMode): Set<number> {
  // Opt-in for all-or-nothing restores: two passes over the file halve peak memory but cost time (TensorFlow's
  // steady state is faster than ours in place on a 2-core VM); a streaming restore writes in place by default.
  const wanted = mode.inPlace ?? mode.atomic === false;
  if (!wanted || reader.header.endianness !== 'little') return new Set();
  if (mode.verifyChecksums === false && mode.atomic !== false) return new Set();
  const byValue = new Map<object, number[]>();
  plan.writes.forEach((w, i) => {
    const entry = reader.entry(w.key);
    if (
      entry.slices.length > 0 ||
      STORED_AS_IS[entry.dtype] !== w.target.dtype ||
      !sameShape(entry.shape, w.target.shape)
    )
      return;
    const memory = memoryFor(plan, i, entry);
    if (memory !== undefined) byValue.set(memory.dataId, [...(byValue.get(memory.dataId) ?? []), i]);
  });
  // Two targets that are one value are assigned the old way, in plan order, so the last one wins as before.
  return new Set([...byValue.values()].flatMap((list) => (list.length === 1 ? list : [])));
}

/**
 * Runs `task(k, stream)` for k in [0, n), `streams` at a time. The first failure starts no further task; tasks in
 * flight settle before it is thrown, so nothing still writes when the caller reports what was written.
 */
async function forEachConcurrently(
  n: number,
  streams: number,
  task: (k: number, stream: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  // Set by any worker, which narrowing does not see.
  let failure = null as { error: unknown } | null;
  const worker = async (stream: number): Promise<void> => {
    while (failure === null && next < n) {
      const k = next++;
      try {
        await task(k, stream);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(streams, n) }, (_, s) => worker(s)));
  if (failure !== null) throw failure.error;
}

/** The error of a restore that failed after changing the variables `reached` (write indices). */
function partialFailure(
  plan: RestorePlan,
  err: unknown,
  reached: readonly number[],
  lead: string,
): PartialRestoreError {
  const names = reached.map((i) => writePath(plan, i));
  const cause = err instanceof CheckpointError ? err : null;
  const reason = err instanceof Error ? err.message : String(err);
  return new PartialRestoreError(
    cause?.code ?? 'IO',
    `${lead}${reason}\n${names.length} variable(s) hold new bytes, in full or in part: ${names.join(', ')}`,
    names,
    { file: cause?.file, key: cause?.key, cause: err },
  );
}

/**
 * Restores `plan` if any value goes into its variable's memory or the mode is not atomic, and returns true;
 * returns false (having done nothing) when the ordinary all-or-nothing path should run.
 */
export async function restoreInPlace(
  plan: RestorePlan,
  reader: CheckpointReader,
  mode: RestoreMode,
  onProgress?: (doneBytes: number, totalBytes: number) => void,
): Promise<boolean> {
  const inPlace = inPlaceWrites(plan, reader, mode);
  const atomic = mode.atomic !== false;
  if (atomic && inPlace.size === 0) return false;
  const entries = plan.writes.map((w) => reader.entry(w.key));
  const total = entries.reduce((n, e) => n + e.size, 0);
  let done = 0;
  const progress = (i: number): void => {
    done += at(entries, i, 'entries').size;
    onProgress?.(done, total);
  };
  const verify = mode.verifyChecksums !== false;
  if (verify) prepareCrc32c(total);
  const buffers = Array.from({ length: STREAMS }, () => new PieceBuffers());
  if (atomic) await restoreAtomically(plan, reader, entries, inPlace, buffers, progress);
  else await restoreAsRead(plan, reader, entries, inPlace, buffers, verify, progress);
  return true;
}

/** The error of a write pass that read other bytes than the verify pass (`crc` is theirs, unmasked). */
function changedWhileRestoring(file: string, entry: TensorEntry, crc: number): ChecksumError {
  return new ChecksumError(
    `${file} changed while it was being restored: the bytes of ${entry.key} read into the variable are not ` +
      `the bytes verified a moment before (stored crc32c ${unmaskCrc(entry.crc32c)}, read ${crc}).`,
    { file, key: entry.key },
  );
}

/** The data files of `keys` that vouch for their bytes now (ByteSource.identity), with their identities. */
async function pinSources(reader: CheckpointReader, keys: readonly string[]): Promise<Map<ByteSource, string>> {
  const sources = new Set(await Promise.all(keys.map((key) => reader.dataSource(key))));
  const pins = new Map<ByteSource, string>();
  for (const source of sources) {
    const identity = (await source.identity?.()) ?? null;
    if (identity !== null) pins.set(source, identity);
  }
  return pins;
}

async function restoreAtomically(
  plan: RestorePlan,
  reader: CheckpointReader,
  entries: TensorEntry[],
  inPlace: Set<number>,
  buffers: PieceBuffers[],
  progress: (i: number) => void,
): Promise<void> {
  const prepared = new Array<PreparedWrite | undefined>(plan.writes.length);
  const discardAll = (): void => {
    for (const p of prepared) p?.discard();
  };
  // Small values are kept from pass 1 (bounded), so pass 2 copies them instead of reading them again: a model of
  // many small variables would otherwise pay a second read per variable.
  const kept = new Map<number, Uint8Array>();
  let keptBytes = 0;
  const small: number[] = [];
  const large: number[] = [];
  for (const i of inPlace) {
    const size = at(entries, i, 'entries').size;
    if (size <= KEEP_MAX && keptBytes + size <= KEEP_BUDGET) {
      keptBytes += size;
      small.push(i);
    } else large.push(i);
  }
  const rest = plan.writes.map((_, i) => i).filter((i) => !inPlace.has(i));
  // Files that vouch for their bytes are pinned before pass 1 and checked after pass 2, which reads them without
  // a second checksum: their bytes in pass 2 are the ones pass 1 verified.
  const largeSet = new Set(large);
  const pins = await pinSources(
    reader,
    plan.writes.flatMap((w, i) => (largeSet.has(i) ? [w.key] : [])),
  );
  // Pass 1: verify what goes in place, read and convert the rest. Nothing changes yet.
  const outcomes = await Promise.allSettled([
    rest.length === 0
      ? Promise.resolve()
      : reader.getTensors(
          rest.map((i) => at(plan.writes, i, 'writes').key),
          (j, value) => {
            const i = at(rest, j, 'writes read');
            prepared[i] = prepareWrite(plan, i, value);
            progress(i);
          },
          READ_CONCURRENCY,
        ),
    forEachConcurrently(large.length, STREAMS, async (k, stream) => {
      const i = at(large, k, 'large writes');
      await verifyEntry(
        await reader.dataSource(at(plan.writes, i, 'writes').key),
        at(entries, i, 'entries'),
        'little',
        at(buffers, stream, 'read buffers'),
      );
    }),
    forEachConcurrently(small.length, READ_CONCURRENCY, async (k) => {
      const i = at(small, k, 'small writes');
      const entry = at(entries, i, 'entries');
      const source = await reader.dataSource(at(plan.writes, i, 'writes').key);
      checkRange(source.name, source.size, entry.offset, entry.size);
      const bytes = await source.read(entry.offset, entry.size);
      assertStoredCrc(entry, source.name, crc32c(bytes));
      kept.set(i, bytes);
    }),
  ]);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed !== undefined) {
    discardAll();
    throw failed.reason;
  }
  // Pass 2: the verified bytes into the variables' memory.
  const reached: number[] = [];
  /** A target whose value was replaced or became shared while pass 1 ran gets new memory, like the rest. */
  const assignAnew = async (i: number): Promise<void> => {
    prepared[i] = prepareWrite(plan, i, await reader.getTensor(at(plan.writes, i, 'writes').key));
  };
  /** Values read from pinned files without a checksum, and the memory they went into. */
  const unchecked: Array<{ source: ByteSource; entry: TensorEntry; memory: InPlaceMemory }> = [];
  try {
    const moved: number[] = [];
    for (const [i, bytes] of kept) {
      const memory = memoryFor(plan, i, at(entries, i, 'entries'));
      if (memory === undefined) {
        moved.push(i);
        continue;
      }
      reached.push(i);
      memory.view().set(bytes);
      progress(i);
    }
    kept.clear();
    for (const i of moved) await assignAnew(i);
    await forEachConcurrently(large.length, STREAMS, async (k, stream) => {
      const i = at(large, k, 'large writes');
      const { key } = at(plan.writes, i, 'writes');
      const entry = at(entries, i, 'entries');
      const memory = memoryFor(plan, i, entry);
      if (memory === undefined) {
        await assignAnew(i);
      } else {
        const source = await reader.dataSource(key);
        reached.push(i);
        const pinned = pins.has(source);
        if (pinned) unchecked.push({ source, entry, memory });
        const crc = await readEntryInto(source, entry, memory, at(buffers, stream, 'read buffers'), !pinned);
        if (crc !== null && crc !== unmaskCrc(entry.crc32c)) throw changedWhileRestoring(source.name, entry, crc);
      }
      progress(i);
    });
    for (const [source, pin] of pins) {
      if ((await source.identity?.()) === pin) continue;
      // The file's change time moved: a write, or only a rename over its path or an unlink (which stamp it too).
      // What landed unchecked from it is checked where it landed, so only bytes that did change fail the restore.
      for (const { entry, memory } of unchecked.filter((u) => u.source === source)) {
        const crc = crc32c(memory.view());
        if (crc !== unmaskCrc(entry.crc32c)) throw changedWhileRestoring(source.name, entry, crc);
      }
    }
  } catch (err) {
    discardAll();
    if (reached.length === 0) throw err;
    throw partialFailure(
      plan,
      err,
      reached,
      'The restore failed after it began writing verified values into the variables: ',
    );
  }
  const finalizers = new Set<Finalizer>();
  for (const p of prepared) {
    if (p === undefined) continue;
    p.commit();
    if (p.after) finalizers.add(p.after);
  }
  for (const f of finalizers) await f.finalize();
}

async function restoreAsRead(
  plan: RestorePlan,
  reader: CheckpointReader,
  entries: TensorEntry[],
  inPlace: Set<number>,
  buffers: PieceBuffers[],
  verify: boolean,
  progress: (i: number) => void,
): Promise<void> {
  entries.forEach((entry, i) => checkFits(plan, i, entry));
  const finalizers = new Set<Finalizer>();
  const reached: number[] = [];
  try {
    await forEachConcurrently(plan.writes.length, STREAMS, async (i, stream) => {
      const { key } = at(plan.writes, i, 'writes');
      const entry = at(entries, i, 'entries');
      const memory = inPlace.has(i) ? memoryFor(plan, i, entry) : undefined;
      if (memory !== undefined) {
        const source = await reader.dataSource(key);
        reached.push(i);
        const crc = await readEntryInto(source, entry, memory, at(buffers, stream, 'read buffers'), verify);
        if (crc !== null) assertStoredCrc(entry, source.name, crc);
      } else {
        const p = prepareWrite(plan, i, await reader.getTensor(key));
        reached.push(i);
        p.commit();
        if (p.after) finalizers.add(p.after);
      }
      progress(i);
    });
  } catch (err) {
    // What was committed stays committed (TensorFlow's restore keeps what it assigned): complete it.
    for (const f of finalizers) await f.finalize().catch(() => undefined);
    if (reached.length === 0) throw err;
    throw partialFailure(plan, err, reached, 'The restore (atomic: false) failed after writing some variables: ');
  }
  for (const f of finalizers) await f.finalize();
}
