/**
 * Names from a checkpoint made safe to print: a key or child name is arbitrary bytes chosen by whoever wrote the
 * file, and printed raw an ESC sequence would drive the terminal and a `\n` or `\r` would forge output lines.
 * Escaping is one-to-one, so two distinct names never print alike: a backslash prints as `\\`, a byte that is
 * not UTF-8 (read as U+DC80–U+DCFF, see the bundle reader's key decoding) as `\xNN`, control and bidirectional
 * formatting characters and other lone surrogates as `\xNN` / `\uNNNN`.
 */

// C0 controls, DEL, C1 controls, bidi embeddings/overrides/isolates, line and paragraph separators, surrogates.
// eslint-disable-next-line no-control-regex -- control characters are what this module exists to find
const UNSAFE = /[\\\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/gu;
// Pairs of surrogates are ordinary characters: the `u` flag makes them one match that is put back unchanged.
const NAMED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function displayText(s: string): string {
  return s.replace(UNSAFE, (ch) => {
    const named = NAMED[ch];
    if (named !== undefined) return named;
    // Every match is one character (or one surrogate pair), so it has a first code point.
    const code = ch.codePointAt(0) ?? 0;
    if (code > 0xffff) return ch;
    if (code >= 0xdc80 && code <= 0xdcff) return `\\x${(code - 0xdc00).toString(16).padStart(2, '0')}`;
    if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
    return `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
