/**
 * Tensor keys are byte strings. This package names them with JavaScript strings: UTF-8 keys (all TensorFlow
 * writes) as their text, and any other bytes one-to-one, in the way of Python's `surrogateescape`: a byte that does
 * not start a valid UTF-8 sequence becomes the lone surrogate U+DC00 + byte. Valid UTF-8 never decodes to a lone
 * surrogate, so distinct keys always get distinct strings (a lossy decode made every invalid byte U+FFFD, and two
 * keys one), and keyBytes gives the stored bytes back.
 */

import { at } from '../checked';

const strict = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();

/** The string naming a stored key. */
export function keyText(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    return escapedText(bytes);
  }
}

function escapedText(b: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < b.length) {
    const c = at(b, i, 'key bytes');
    let more = 0;
    let cp = 0;
    let min = 0;
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) [more, cp, min] = [1, c & 0x1f, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [more, cp, min] = [2, c & 0x0f, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [more, cp, min] = [3, c & 0x07, 0x10000];
    let ok = more > 0 && i + more < b.length;
    for (let k = 1; ok && k <= more; k++) {
      const next = at(b, i + k, 'key bytes');
      if ((next & 0xc0) !== 0x80) ok = false;
      cp = (cp << 6) | (next & 0x3f);
    }
    if (ok && cp >= min && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)) {
      out += String.fromCodePoint(cp);
      i += more + 1;
    } else {
      out += String.fromCharCode(0xdc00 + c);
      i++;
    }
  }
  return out;
}

/** The stored bytes of a key named by keyText (its UTF-8 encoding when it holds no escaped byte). */
export function keyBytes(key: string): Uint8Array {
  if (!/[\udc80-\udcff]/.test(key)) return utf8.encode(key);
  const out: number[] = [];
  for (const ch of key) {
    const cp = ch.codePointAt(0) ?? 0; // a string's characters all have a code point
    if (cp >= 0xdc80 && cp <= 0xdcff) out.push(cp - 0xdc00);
    else out.push(...utf8.encode(ch));
  }
  return Uint8Array.from(out);
}
