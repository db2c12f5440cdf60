/**
 * Where the package's warnings go (TensorFlow logs them with absl logging). Defaults to `console.warn`; tests and
 * applications can redirect or silence them with `setLogger`.
 */
export interface Logger {
  /** Called with one warning, a complete sentence. */
  warn(message: string): void;
}

let current: Logger = { warn: (message) => console.warn(message) };

/** Sends the package's warnings to `logger` (default: `console.warn`); returns the previous logger, to restore it. */
export function setLogger(logger: Logger): Logger {
  const previous = current;
  current = logger;
  return previous;
}

export function logger(): Logger {
  return current;
}
