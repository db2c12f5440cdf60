/** Limit per fuzz input: each must succeed or fail with a typed error within this time. */
export const INPUT_MS = 2000;

/**
 * Runs one fuzz input and measures it. What a hostile input costs is a property of the input, while a loaded
 * machine (CI runs two jest projects beside Chromium on two cores) can stall any one run for seconds. So an input
 * over the limit is run again, up to twice, and its time is the fastest run: a real slow input is slow every time,
 * a stall is not. `input` must not throw; the result of its first run is the one reported.
 */
export async function timeInput<T>(input: () => Promise<T>, limitMs = INPUT_MS): Promise<{ result: T; ms: number }> {
  let t0 = performance.now();
  const result = await input();
  let ms = performance.now() - t0;
  for (let again = 0; again < 2 && ms > limitMs; again++) {
    t0 = performance.now();
    await input();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { result, ms };
}
