/**
 * Printing tensor values the way numpy's `str(array)` does (what TensorFlow's inspect_checkpoint prints):
 * 75-column lines, elements aligned, arrays of more than 1000 elements summarised with `...` (3 edge items),
 * floats in positional or scientific notation by numpy's rules (shortest unique digits, at most 8 after the point).
 * float32/float64/float16, integers, bool and bytes follow numpy exactly; complex and bfloat16 approximately.
 */
import { at } from '../checked';
import { floatToHalfBits, halfToFloat, type TensorValue } from '../index';

const LINE_WIDTH = 75;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const PRECISION = 8;

type Kind = 'float32' | 'float64' | 'float16';
/** A complex element: real and imaginary part. */
type Complex = [number, number];

const bfloat16Word = new Uint32Array(1);
const bfloat16Float = new Float32Array(bfloat16Word.buffer);
/** bfloat16 bits are the upper half of a float32's. */
function bfloat16ToFloat(bits: number): number {
  bfloat16Word[0] = bits << 16;
  return at(bfloat16Float, 0, 'bfloat16 conversion');
}

const f32 = (x: number): number => Math.fround(x);

/** x rounded to the nearest float16. */
function halfRound(x: number): number {
  return halfToFloat(floatToHalfBits(x));
}

/** Shortest decimal significand digits (and exponent) that read back as `x` in its own precision. */
function uniqueDigits(x: number, kind: Kind): { digits: string; exp: number } {
  const back = kind === 'float32' ? f32 : kind === 'float16' ? halfRound : (v: number) => v;
  let s = '';
  for (let p = 1; p <= 17; p++) {
    s = Math.abs(x).toExponential(p - 1);
    if (back(Number(s)) === Math.abs(x)) break;
  }
  const [mant, e] = s.split('e') as [string, string];
  return { digits: mant.replace('.', ''), exp: Number(e) };
}

/** Exact digits of |x| with `n` significant digits (correctly rounded). */
function exactDigits(x: number, n: number): { digits: string; exp: number } {
  const [mant, e] = Math.abs(x)
    .toExponential(Math.max(0, Math.min(100, n - 1)))
    .split('e') as [string, string];
  return { digits: mant.replace('.', ''), exp: Number(e) };
}

/** numpy's dragon4_positional in "unique" mode with a cap on fractional digits. */
function positional(x: number, kind: Kind, precision: number): string {
  const { digits, exp } = uniqueDigits(x, kind);
  const fracDigits = Math.max(0, digits.length - exp - 1);
  let body: string;
  if (fracDigits <= precision) {
    const intLen = exp + 1;
    if (intLen <= 0) body = `0.${'0'.repeat(-intLen)}${digits}`;
    else if (intLen >= digits.length) body = `${digits}${'0'.repeat(intLen - digits.length)}.`;
    else body = `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  } else {
    body = Math.abs(x).toFixed(precision).replace(/0+$/, '');
    if (!body.includes('.')) body += '.';
  }
  if (!body.endsWith('.') && body.includes('.')) body = body.replace(/(\.\d*?)0+$/, '$1');
  return (x < 0 || Object.is(x, -0) ? '-' : '') + body;
}

/** numpy's dragon4_scientific: mantissa with `minDigits` fraction digits (real digits), exponent ≥ `expDigits`. */
function scientific(x: number, kind: Kind, minFrac: number | null, expDigits: number): string {
  let { digits, exp } = x === 0 ? { digits: '0', exp: 0 } : uniqueDigits(x, kind);
  if (digits.length > PRECISION + 1) ({ digits, exp } = exactDigits(x, PRECISION + 1));
  if (minFrac !== null && digits.length - 1 < minFrac) {
    ({ digits, exp } = x === 0 ? { digits: '0'.repeat(minFrac + 1), exp: 0 } : exactDigits(x, minFrac + 1));
  }
  digits = digits.replace(/(?<=.)0+$/, (z) =>
    minFrac !== null ? z.slice(0, Math.max(0, minFrac - (digits.length - z.length - 1))) : '',
  );
  const mant = `${digits[0]}.${digits.slice(1)}`;
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(expDigits, '0')}`;
  return `${x < 0 || Object.is(x, -0) ? '-' : ''}${mant}e${e}`;
}

function floatFormatter(values: number[], kind: Kind): (x: number) => string {
  const finite = values.filter((v) => Number.isFinite(v));
  const nonZero = finite.filter((v) => v !== 0).map(Math.abs);
  const max = nonZero.length ? Math.max(...nonZero) : 0;
  const min = nonZero.length ? Math.min(...nonZero) : 0;
  const expFormat = nonZero.length > 0 && (max >= 1e8 || min < 0.0001 || max / min > 1000);
  let padLeft = 0;
  let padRight = 0;
  let fmt: (x: number) => string;
  if (finite.length === 0) {
    fmt = () => '';
  } else if (expFormat) {
    const strs = finite.map((v) => scientific(v, kind, null, 2));
    const expSize = Math.max(...strs.map((s) => part(s, 'e', 1).length)) - 1;
    const precision = Math.max(...strs.map((s) => part(part(s, 'e', 0), '.', 1).length));
    padLeft = Math.max(...strs.map((s) => part(s, '.', 0).length));
    padRight = expSize + 2 + precision;
    fmt = (x) => {
      const s = scientific(x, kind, precision, expSize);
      return ' '.repeat(Math.max(0, padLeft - part(s, '.', 0).length)) + s;
    };
  } else {
    const strs = finite.map((v) => positional(v, kind, PRECISION));
    padLeft = Math.max(...strs.map((s) => part(s, '.', 0).length));
    padRight = Math.max(...strs.map((s) => part(s, '.', 1).length));
    fmt = (x) => {
      const [int = '', frac = ''] = positional(x, kind, PRECISION).split('.');
      return `${' '.repeat(Math.max(0, padLeft - int.length))}${int}.${frac}${' '.repeat(Math.max(0, padRight - frac.length))}`;
    };
  }
  if (finite.length !== values.length) {
    const negInf = values.some((v) => v === -Infinity);
    padLeft = Math.max(padLeft, 3 - (padRight + 1), 3 + (negInf ? 1 : 0) - (padRight + 1));
  }
  return (x) => {
    if (!Number.isFinite(x)) {
      const s = Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
      return ' '.repeat(Math.max(0, padLeft + padRight + 1 - s.length)) + s;
    }
    return fmt(x);
  };
}

function bytesRepr(b: Uint8Array): string {
  const hasSingle = b.includes(0x27);
  const hasDouble = b.includes(0x22);
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let s = `b${quote}`;
  for (const c of b) {
    if (c === 0x5c) s += '\\\\';
    else if (c === quote.charCodeAt(0)) s += `\\${quote}`;
    else if (c === 0x09) s += '\\t';
    else if (c === 0x0a) s += '\\n';
    else if (c === 0x0d) s += '\\r';
    else if (c < 0x20 || c >= 0x7f) s += `\\x${c.toString(16).padStart(2, '0')}`;
    else s += String.fromCharCode(c);
  }
  return `${s}${quote}`;
}

/** Flat element accessors and formatter for a value. */
function elements(value: TensorValue): {
  count: number;
  at: (i: number) => unknown;
  make: (shown: unknown[]) => (v: unknown) => string;
  scalar: (v: unknown) => string;
} {
  switch (value.dtype) {
    case 'float32':
    case 'float64':
    case 'float16':
    case 'bfloat16': {
      const kind: Kind = value.dtype === 'float64' ? 'float64' : value.dtype === 'float32' ? 'float32' : 'float16';
      const valueAt = (i: number): number =>
        value.dtype === 'float16'
          ? halfToFloat(at(value.data, i, 'float16 values'))
          : value.dtype === 'bfloat16'
            ? bfloat16ToFloat(at(value.data, i, 'bfloat16 values'))
            : at(value.data, i, 'float values');
      const scalarStr = (v: unknown): string => {
        const x = v as number;
        if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
        const { digits, exp } = uniqueDigits(x, kind);
        const sign = x < 0 || Object.is(x, -0) ? '-' : '';
        if (exp >= 16 || exp < -4)
          return `${sign}${digits.length > 1 ? `${digits.slice(0, 1)}.${digits.slice(1)}` : digits}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
        const p = positional(x, kind, 17);
        return p.endsWith('.') ? `${p}0` : p;
      };
      return {
        count: value.data.length,
        at: valueAt,
        make: (shown) => floatFormatter(shown as number[], kind) as (v: unknown) => string,
        scalar: scalarStr,
      };
    }
    case 'bool':
      return {
        count: value.data.length,
        at: (i) => value.data[i] !== 0,
        make: (shown) => {
          const width = shown.some((b) => b === false) ? 5 : 4;
          return (v) => (v ? 'True' : 'False').padStart(width);
        },
        scalar: (v) => (v ? 'True' : 'False'),
      };
    case 'string':
      return {
        count: value.data.length,
        at: (i) => value.data[i],
        make: () => (v) => bytesRepr(v as Uint8Array),
        scalar: (v) => bytesRepr(v as Uint8Array),
      };
    case 'complex64':
    case 'complex128': {
      const d = value.data;
      return {
        count: d.length / 2,
        at: (i): Complex => [at(d, 2 * i, 'complex values'), at(d, 2 * i + 1, 'complex values')],
        make: (shown) => {
          const kind: Kind = value.dtype === 'complex64' ? 'float32' : 'float64';
          const re = floatFormatter(
            (shown as Complex[]).map(([r]) => r),
            kind,
          );
          const im = floatFormatter(
            (shown as Complex[]).map(([, i]) => i),
            kind,
          );
          return (v) => {
            const [r, i] = v as Complex;
            const imag = im(i).trimStart();
            return `${re(r)}${imag.startsWith('-') ? '' : '+'}${imag}j`;
          };
        },
        scalar: (v) => {
          const [r, i] = v as Complex;
          return `(${r}${i < 0 ? '' : '+'}${i}j)`;
        },
      };
    }
    default: {
      const d = value.data as ArrayLike<number | bigint>;
      return {
        count: d.length,
        at: (i) => d[i],
        make: (shown) => {
          const width = Math.max(...shown.map((x) => String(x).length));
          return (v) => String(v).padStart(width);
        },
        scalar: (v) => String(v),
      };
    }
  }
}

/** `str(numpy_array)` for a checkpoint value. */
export function formatNumpy(value: TensorValue): string {
  const shape = value.shape;
  const e = elements(value);
  if (shape.length === 0) return e.scalar(e.at(0));
  if (e.count === 0) return '[]';
  const summarize = e.count > THRESHOLD;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  // The elements numpy formats (edge items only when summarising) decide widths.
  const shown: unknown[] = [];
  const collect = (dim: number, offset: number): void => {
    const n = at(shape, dim, 'shape');
    const idx =
      summarize && n > 2 * EDGE_ITEMS
        ? [...Array(EDGE_ITEMS).keys(), ...Array.from({ length: EDGE_ITEMS }, (_, k) => n - EDGE_ITEMS + k)]
        : [...Array(n).keys()];
    for (const i of idx) {
      if (dim === shape.length - 1) shown.push(e.at(offset + i));
      else collect(dim + 1, offset + i * at(strides, dim, 'strides'));
    }
  };
  collect(0, 0);
  const fmt = e.make(shown);

  const extend = (s: string, line: string, word: string, width: number, prefix: string): [string, string] => {
    const words = word.split('\n');
    if (words.length === 1) {
      let wrap = line.length + word.length > width;
      if (line.length <= prefix.length) wrap = false;
      if (wrap) {
        s += `${line.trimEnd()}\n`;
        line = prefix;
      }
      return [s, line + word];
    }
    const maxLen = Math.max(...words.map((w) => w.length));
    let indent: string;
    if (line.length + maxLen > width && line.length > prefix.length) {
      s += `${line.trimEnd()}\n`;
      line = prefix + at(words, 0, 'lines');
      indent = prefix;
    } else {
      indent = ' '.repeat(line.length);
      line += at(words, 0, 'lines');
    }
    for (const w of words.slice(1)) {
      s += `${line.trimEnd()}\n`;
      line = indent + w;
    }
    line += ' '.repeat(maxLen - at(words, words.length - 1, 'lines').length);
    return [s, line];
  };

  const recurse = (dim: number, offset: number, hanging: string, width: number): string => {
    if (dim === shape.length) return fmt(e.at(offset));
    const nextHanging = `${hanging} `;
    const nextWidth = width - 1;
    const n = at(shape, dim, 'shape');
    const stride = at(strides, dim, 'strides');
    const summary = summarize && 2 * EDGE_ITEMS < n;
    const leading = summary ? EDGE_ITEMS : 0;
    const trailing = summary ? EDGE_ITEMS : n;
    const offsetOf = (i: number): number => offset + (i < 0 ? n + i : i) * stride;
    let s = '';
    if (dim === shape.length - 1) {
      const elemWidth = width - 1;
      let line = hanging;
      for (let i = 0; i < leading; i++) {
        [s, line] = extend(s, line, recurse(dim + 1, offsetOf(i), nextHanging, nextWidth), elemWidth, hanging);
        line += ' ';
      }
      if (summary) {
        [s, line] = extend(s, line, '...', elemWidth, hanging);
        line += ' ';
      }
      for (let i = trailing; i > 1; i--) {
        [s, line] = extend(s, line, recurse(dim + 1, offsetOf(-i), nextHanging, nextWidth), elemWidth, hanging);
        line += ' ';
      }
      [s, line] = extend(s, line, recurse(dim + 1, offsetOf(-1), nextHanging, nextWidth), elemWidth, hanging);
      s += line;
    } else {
      const lineSep = `\n`.repeat(shape.length - dim - 1);
      for (let i = 0; i < leading; i++) s += hanging + recurse(dim + 1, offsetOf(i), nextHanging, nextWidth) + lineSep;
      if (summary) s += `${hanging}...${lineSep}`;
      for (let i = trailing; i > 1; i--)
        s += hanging + recurse(dim + 1, offsetOf(-i), nextHanging, nextWidth) + lineSep;
      s += hanging + recurse(dim + 1, offsetOf(-1), nextHanging, nextWidth);
    }
    return `[${s.slice(hanging.length)}]`;
  };
  return recurse(0, 0, ' ', LINE_WIDTH);
}

/** The `index`th piece of `s` split at `separator`, '' when there are fewer pieces. */
function part(s: string, separator: string, index: number): string {
  return s.split(separator)[index] ?? '';
}
