/**
 * A `.keras` archive: a zip holding config.json (the model config), metadata.json and model.weights.h5.
 * Unzipped with fflate; only the entries asked for are inflated.
 */
import { unzipSync } from 'fflate';

import { CorruptCheckpointError } from '../errors';

/** The parts of a `.keras` archive the package reads. */
export interface KerasArchive {
  /** The model config (`config.json`), parsed. */
  config: unknown;
  /** `metadata.json` (Keras version, save date), parsed, when present. */
  metadata: Record<string, unknown> | null;
  /** The weights file (`model.weights.h5`) bytes, when present. */
  weights: Uint8Array | null;
}

/** True for bytes that start like a zip file (a `.keras` archive) rather than JSON. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Unzips a `.keras` archive's config, metadata and weights; `file` names it in errors. */
export function readKerasArchive(bytes: Uint8Array, file?: string): KerasArchive {
  const wanted = new Set(['config.json', 'metadata.json', 'model.weights.h5']);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (f) => wanted.has(f.name) });
  } catch (err) {
    throw new CorruptCheckpointError(
      `${file ?? 'archive'} is not a readable .keras (zip) archive: ${(err as Error).message}`,
      { file, cause: err },
    );
  }
  const json = (name: string): unknown => {
    const data = entries[name];
    if (data === undefined) return null;
    try {
      return JSON.parse(new TextDecoder().decode(data)) as unknown;
    } catch (err) {
      throw new CorruptCheckpointError(`${name} in ${file ?? 'the archive'} is not JSON: ${(err as Error).message}`, {
        file,
        cause: err,
      });
    }
  };
  const config = json('config.json');
  if (config === null)
    throw new CorruptCheckpointError(`${file ?? 'the archive'} has no config.json: not a .keras archive`, { file });
  return {
    config,
    metadata: json('metadata.json') as Record<string, unknown> | null,
    weights: entries['model.weights.h5'] ?? null,
  };
}
