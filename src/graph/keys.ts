/**
 * Checkpoint keys as TensorFlow builds them (trackable_utils.py): each edge name escaped (`.` → `..`, `/` → `.S`),
 * joined by `/` along the first BFS path to the object, then `/.ATTRIBUTES/<attribute>`. Slot variables are named
 * `<variable path>/.OPTIMIZER_SLOT/<optimizer path>/<slot>`.
 */

export const ESCAPE_CHAR = '.';
export const OBJECT_ATTRIBUTES_NAME = `${ESCAPE_CHAR}ATTRIBUTES`;
export const OPTIMIZER_SLOTS_NAME = `${ESCAPE_CHAR}OPTIMIZER_SLOT`;
/** The attribute name of a variable's value (TensorFlow's VARIABLE_VALUE_KEY). */
export const VARIABLE_VALUE = 'VARIABLE_VALUE';
/** Early TF 2 Keras layers, models and optimizers saved their config under this attribute. */
export const OBJECT_CONFIG_JSON = 'OBJECT_CONFIG_JSON';

/** Escapes an edge name for a checkpoint key as TensorFlow does (`.` → `..`, `/` → `.S`). */
export function escapeLocalName(name: string): string {
  return name.replaceAll('.', '..').replaceAll('/', '.S');
}

/** Inverse of escapeLocalName; null when `escaped` is not a valid escaped name. */
export function unescapeLocalName(escaped: string): string | null {
  let out = '';
  for (let i = 0; i < escaped.length; i++) {
    const ch = escaped.charAt(i);
    if (ch !== '.') {
      out += ch;
      continue;
    }
    const next = escaped[++i];
    if (next === '.') out += '.';
    else if (next === 'S') out += '/';
    else return null;
  }
  return out;
}

/** The object path for a sequence of edge names from the root ('' for the root itself). */
export function objectPath(names: readonly string[]): string {
  return names.map(escapeLocalName).join('/');
}

/** The key of an attribute of the object at `path`. */
export function attributeKey(path: string, attribute: string): string {
  return `${path}/${OBJECT_ATTRIBUTES_NAME}/${escapeLocalName(attribute)}`;
}

/** The object path of an optimizer slot variable. */
export function slotVariablePath(variablePath: string, optimizerPath: string, slotName: string): string {
  return `${variablePath}/${OPTIMIZER_SLOTS_NAME}/${optimizerPath}/${escapeLocalName(slotName)}`;
}
