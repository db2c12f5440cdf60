/**
 * What the main entry knows of Keras: which paths and which model JSON are Keras's, and nothing of how to read them.
 * Reading them (jsfive, fflate, the Keras weight layouts, topology translation, the classes tfjs lacks) lives in the
 * `tfjs-checkpoint/keras` entry, which fills this slot when it is imported. Until then a Keras file or a Keras 3
 * topology fails with an error naming that entry, rather than being taken for a TensorFlow checkpoint prefix (and
 * reported as a missing `.index` file) or handed to tfjs as a topology it cannot build.
 */
import { UnsupportedError } from '../errors';
import { type OpenOptions, registerValueSourceOpener, type ValueSource } from '../graph';

/** The specifier of the entry that reads Keras files and models, as users import it. */
export const KERAS_ENTRY = 'tfjs-checkpoint/keras';

/** What the Keras entry provides. */
export interface KerasSupport {
  /** Opens a Keras weights file (`.weights.h5`, `.h5`, `.keras`) as a value source. */
  openFile(path: string, options: OpenOptions): Promise<ValueSource>;
  /** A tfjs `modelTopology` for a Keras 3 topology. */
  translateTopology(topology: object): object;
  /** Resolves once the Keras classes tfjs lacks are registered with tfjs (ES-module builds load them with import()). */
  ready(): Promise<unknown>;
}

let support: KerasSupport | null = null;

/** Installs the Keras support (done by the Keras entry on import; a second call replaces the first). */
export function setKerasSupport(provided: KerasSupport): void {
  support = provided;
}

/** A note for errors of tfjs that the Keras entry may cure (unknown classes), or '' when it is loaded. */
export function kerasEntryHint(): string {
  return support === null ? ` (the Keras classes tfjs lacks are registered by importing '${KERAS_ENTRY}')` : '';
}

/** Paths that are Keras's files, by Keras's own suffixes. */
export function isKerasFilePath(path: string): boolean {
  return /\.(h5|hdf5|keras)$/i.test(path);
}

/** Whether a topology is Keras 3's serialisation (modules, registered names and build configs on its objects). */
export function isKeras3Config(topology: object): boolean {
  return /"(module|registered_name|build_config)"\s*:/.test(JSON.stringify(topology));
}

function entryNeeded(what: string, file?: string): UnsupportedError {
  return new UnsupportedError(
    `${what}: that needs the Keras entry. Import '${KERAS_ENTRY}' once (import '${KERAS_ENTRY}'; or require('${KERAS_ENTRY}')) before this call`,
    file === undefined ? {} : { file },
  );
}

/**
 * The tfjs topology for `topology`: Keras 3 JSON translated by the Keras entry (an UnsupportedError without it), any
 * other topology as it is, once the Keras entry (when loaded) has registered its classes with tfjs.
 */
export async function tfjsTopologyOf(topology: object): Promise<object> {
  const keras3 = isKeras3Config(topology);
  if (support === null) {
    if (keras3) throw entryNeeded('This topology is Keras 3 JSON (model.to_json() or a .keras config.json)');
    return topology;
  }
  await support.ready();
  return keras3 ? support.translateTopology(topology) : topology;
}

registerValueSourceOpener({
  name: 'Keras HDF5 weights',
  claims: isKerasFilePath,
  open: (path, options) =>
    support !== null
      ? support.openFile(path, options)
      : Promise.reject(entryNeeded(`${path} is a Keras file (.weights.h5, .h5 or .keras)`, path)),
});
