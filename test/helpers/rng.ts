/**
 * The seeded generator the fuzzers and randomized tests share: a linear congruential generator, so a seed printed
 * by a failing run replays the same inputs on any machine.
 */
export class Rng {
  constructor(private s: number) {}

  /** A float in [0, 1). */
  next(): number {
    this.s = (this.s * 1103515245 + 12345) % 2147483648;
    return this.s / 2147483648;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One of `xs` (not empty). */
  pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(xs.length)];
    if (x === undefined) throw new RangeError('Rng.pick of an empty list');
    return x;
  }
}
