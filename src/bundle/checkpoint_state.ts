/**
 * The `checkpoint` state file that sits beside checkpoints: a CheckpointState proto in protobuf text format, e.g.
 *
 *   model_checkpoint_path: "ckpt-19"
 *   all_model_checkpoint_paths: "ckpt-17"
 *   all_model_checkpoint_timestamps: 1673735799.685766
 *   last_preserved_timestamp: 1673735591.495455
 */
import { CorruptCheckpointError } from '../errors';

/**
 * The `checkpoint` state file of a directory, as TensorFlow's `CheckpointState` proto: the latest checkpoint and
 * the ones a `CheckpointManager` keeps, with their save times (seconds since the epoch).
 */
export interface CheckpointState {
  modelCheckpointPath: string;
  allModelCheckpointPaths: string[];
  allModelCheckpointTimestamps: number[];
  lastPreservedTimestamp: number;
}

export const CHECKPOINT_STATE_FILENAME = 'checkpoint';

type Token = { kind: 'ident' | 'string' | 'number' | 'punct'; text: string; bytes?: Uint8Array };

const SIMPLE_ESCAPES: Record<string, number> = {
  n: 10,
  r: 13,
  t: 9,
  '"': 34,
  "'": 39,
  '\\': 92,
  a: 7,
  b: 8,
  f: 12,
  v: 11,
  '?': 63,
};

/** Parses a quoted text-format string (C escapes, octal, hex) into bytes. */
function unquote(body: string, fail: (what: string) => never): Uint8Array {
  const out: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < body.length; i++) {
    const ch = body.charAt(i);
    if (ch !== '\\') {
      out.push(...utf8.encode(ch));
      continue;
    }
    const next = body[++i];
    if (next === undefined) fail('dangling escape');
    if (SIMPLE_ESCAPES[next] !== undefined) out.push(SIMPLE_ESCAPES[next]);
    else if (/[0-7]/.test(next)) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i))?.[0] ?? fail('bad octal escape');
      out.push(parseInt(m, 8) & 0xff);
      i += m.length - 1;
    } else if (next === 'x' || next === 'X') {
      const m = /^[0-9a-fA-F]{1,2}/.exec(body.slice(i + 1));
      if (!m) fail('bad \\x escape');
      out.push(parseInt(m[0], 16));
      i += m[0].length;
    } else fail(`unknown escape \\${next}`);
  }
  return Uint8Array.from(out);
}

function tokenize(text: string, fail: (what: string) => never): Token[] {
  const tokens: Token[] = [];
  const re =
    /\s+|#[^\n]*|([A-Za-z_][A-Za-z0-9_]*)|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|nan)\b)|([:{}<>;,])/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    m = re.exec(text);
    if (!m || m[0].length === 0) fail(`unexpected character ${JSON.stringify(text[pos])} at offset ${pos}`);
    pos = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'ident', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'string', text: m[2], bytes: unquote(m[2].slice(1, -1), fail) });
    else if (m[3] !== undefined) tokens.push({ kind: 'number', text: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: 'punct', text: m[4] });
  }
  return tokens;
}

/** Parses the state file's text. Unknown fields are an error, as in TensorFlow's `text_format.Merge`. */
export function parseCheckpointState(text: string, file: string): CheckpointState {
  // Typed where declared, so that a call ends control flow for the narrowing below.
  const fail: (what: string) => never = (what) => {
    throw new CorruptCheckpointError(`Invalid checkpoint state file ${file}: ${what}`, { file });
  };
  const state: CheckpointState = {
    modelCheckpointPath: '',
    allModelCheckpointPaths: [],
    allModelCheckpointTimestamps: [],
    lastPreservedTimestamp: 0,
  };
  const tokens = tokenize(text, fail);
  const decoder = new TextDecoder('utf-8');
  for (let i = 0; i < tokens.length;) {
    const name = tokens[i++];
    if (name?.kind !== 'ident') fail(`expected a field name, got ${name?.text}`);
    if (tokens[i]?.text === ':') i++;
    const readString = (): string => {
      let s = '';
      if (tokens[i]?.kind !== 'string') fail(`field ${name.text} expects a string`);
      // Adjacent string literals concatenate, as in the text format.
      for (let t = tokens[i]; t?.kind === 'string'; t = tokens[++i]) s += decoder.decode(t.bytes);
      return s;
    };
    const readNumber = (): number => {
      const t = tokens[i++];
      if (t?.kind !== 'number') fail(`field ${name.text} expects a number`);
      const v = Number(t.text.replace(/^\+/, '').replace(/inf$/, 'Infinity').replace(/nan$/, 'NaN'));
      return v;
    };
    switch (name.text) {
      case 'model_checkpoint_path':
        state.modelCheckpointPath = readString();
        break;
      case 'all_model_checkpoint_paths':
        state.allModelCheckpointPaths.push(readString());
        break;
      case 'all_model_checkpoint_timestamps':
        state.allModelCheckpointTimestamps.push(readNumber());
        break;
      case 'last_preserved_timestamp':
        state.lastPreservedTimestamp = readNumber();
        break;
      default:
        fail(`unknown field ${name.text}`);
    }
    if (tokens[i]?.text === ';' || tokens[i]?.text === ',') i++;
  }
  return state;
}

/** Quotes a string the way protobuf's text format does (C escapes; non-ASCII bytes as octal). */
function quote(s: string): string {
  let out = '"';
  for (const b of new TextEncoder().encode(s)) {
    if (b === 0x22) out += '\\"';
    else if (b === 0x27) out += "\\'";
    else if (b === 0x5c) out += '\\\\';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out}"`;
}

/** Python's repr of a float, which TensorFlow's text format uses for doubles. */
function formatDouble(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}`;
  return String(v);
}

/** The state file's text, field order and layout as TensorFlow writes it. */
export function formatCheckpointState(state: CheckpointState): string {
  const lines = [`model_checkpoint_path: ${quote(state.modelCheckpointPath)}`];
  for (const p of state.allModelCheckpointPaths) lines.push(`all_model_checkpoint_paths: ${quote(p)}`);
  for (const t of state.allModelCheckpointTimestamps) lines.push(`all_model_checkpoint_timestamps: ${formatDouble(t)}`);
  if (state.lastPreservedTimestamp !== 0)
    lines.push(`last_preserved_timestamp: ${formatDouble(state.lastPreservedTimestamp)}`);
  return `${lines.join('\n')}\n`;
}
