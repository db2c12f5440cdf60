import { CheckpointError } from '../../src';

/**
 * How one fuzz input failed: a typed error (what the package promises for bad input, by code), or an untyped one
 * with the top of its stack for the report.
 */
export function classifyFailure(err: unknown): { outcome: `typed:${string}` | 'untyped'; error: string } {
  if (err instanceof CheckpointError) return { outcome: `typed:${err.code}`, error: '' };
  const error =
    err instanceof Error
      ? `${err.name}: ${err.message}\n${err.stack?.split('\n').slice(1, 4).join('\n')}`
      : String(err);
  return { outcome: 'untyped', error };
}
