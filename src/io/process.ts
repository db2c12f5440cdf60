/**
 * Which process owns a temporary file. Saves name their temporaries after the writing process, so a later save can
 * tell the leftovers of a killed process from files that a save running right now is still writing. Outside Node
 * there are no other processes sharing the files, so everything counts as alive and nothing is swept.
 */

/** This process's id under Node, else 0. */
export function currentProcessId(): number {
  return typeof process !== 'undefined' && typeof process.pid === 'number' ? process.pid : 0;
}

/** Whether process `pid` still runs (signal 0 probes without signalling); true when it cannot be told. */
export function processAlive(pid: number): boolean {
  if (typeof process === 'undefined' || typeof process.kill !== 'function' || pid === 0) return true;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as { code?: string }).code === 'EPERM';
  }
}
