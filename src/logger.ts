/**
 * Where the package's warnings go (TensorFlow logs them with absl logging). Defaults to `console.warn`; tests and
 * applications can redirect or silence them with `setLogger`.
 */
export interface Logger {
  warn(message: string): void;
}

let current: Logger = { warn: (message) => console.warn(message) };

export function setLogger(logger: Logger): Logger {
  const previous = current;
  current = logger;
  return previous;
}

export function logger(): Logger {
  return current;
}
