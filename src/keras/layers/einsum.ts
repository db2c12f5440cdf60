/**
 * Two-operand einsum as transposes, reshapes and one (batched) matMul, so it runs on every tfjs backend and has
 * gradients (tf.einsum has neither guarantee). Each letter appears at most once per operand, as in Keras's
 * EinsumDense and attention equations.
 */
import * as tfc from '@tensorflow/tfjs-core';

import { InvalidArgumentError } from '../../errors';

export interface ParsedEquation {
  a: string;
  b: string;
  out: string;
}

export function parseEquation(equation: string): ParsedEquation {
  const m = /^([a-zA-Z]*),([a-zA-Z]*)->([a-zA-Z]*)$/.exec(equation.replace(/\s+/g, ''));
  if (!m)
    throw new InvalidArgumentError(`Unsupported einsum equation '${equation}': expected [X],[Y]->[Z] after expansion`);
  const [, a, b, out] = m as unknown as [string, string, string, string];
  for (const spec of [a, b, out]) {
    if (new Set(spec).size !== spec.length)
      throw new InvalidArgumentError(`Einsum equation '${equation}' repeats a letter in one operand`);
  }
  for (const c of out) {
    if (!a.includes(c) && !b.includes(c))
      throw new InvalidArgumentError(`Einsum equation '${equation}': output letter '${c}' is in no operand`);
  }
  return { a, b, out };
}

function positions(spec: string, letters: string[]): number[] {
  return letters.map((c) => spec.indexOf(c));
}

function isIdentity(perm: number[]): boolean {
  return perm.every((p, i) => p === i);
}

/** einsum(equation, x, y) for a parsed two-operand equation. */
export function einsum2(eq: ParsedEquation, x: tfc.Tensor, y: tfc.Tensor): tfc.Tensor {
  return tfc.tidy(() => {
    const { out } = eq;
    let { a, b } = eq;
    if (x.rank !== a.length || y.rank !== b.length) {
      throw new InvalidArgumentError(`Einsum ${a},${b}->${out} got operands of rank ${x.rank} and ${y.rank}`);
    }
    // Letters in one operand only and not in the output are summed away first.
    const aOnly = Array.from(a).filter((c) => !b.includes(c) && !out.includes(c));
    if (aOnly.length > 0) {
      x = tfc.sum(x, positions(a, aOnly));
      a = Array.from(a)
        .filter((c) => !aOnly.includes(c))
        .join('');
    }
    const bOnly = Array.from(b).filter((c) => !a.includes(c) && !out.includes(c));
    if (bOnly.length > 0) {
      y = tfc.sum(y, positions(b, bOnly));
      b = Array.from(b)
        .filter((c) => !bOnly.includes(c))
        .join('');
    }
    const batch = Array.from(out).filter((c) => a.includes(c) && b.includes(c));
    const contract = Array.from(a).filter((c) => b.includes(c) && !out.includes(c));
    const aFree = Array.from(a).filter((c) => out.includes(c) && !b.includes(c));
    const bFree = Array.from(b).filter((c) => out.includes(c) && !a.includes(c));
    const dim = (c: string): number => {
      const size = a.includes(c) ? x.shape[a.indexOf(c)] : y.shape[b.indexOf(c)];
      if (size === undefined) throw new InvalidArgumentError(`Einsum ${a},${b}->${out}: no dimension '${c}'`);
      return size;
    };
    for (const c of [...batch, ...contract]) {
      if (x.shape[a.indexOf(c)] !== y.shape[b.indexOf(c)]) {
        throw new InvalidArgumentError(
          `Einsum ${a},${b}->${out}: dimension '${c}' is ${x.shape[a.indexOf(c)]} in one operand and ${y.shape[b.indexOf(c)]} in the other`,
        );
      }
    }
    const prod = (cs: string[]): number => cs.reduce((p, c) => p * dim(c), 1);
    const [nb, m, k, n] = [prod(batch), prod(aFree), prod(contract), prod(bFree)];
    const permA = positions(a, [...batch, ...aFree, ...contract]);
    const permB = positions(b, [...batch, ...contract, ...bFree]);
    const xt = isIdentity(permA) ? x : tfc.transpose(x, permA);
    const yt = isIdentity(permB) ? y : tfc.transpose(y, permB);
    const product =
      batch.length > 0
        ? tfc.matMul(tfc.reshape(xt, [nb, m, k]), tfc.reshape(yt, [nb, k, n]))
        : tfc.matMul(tfc.reshape(xt, [m, k]), tfc.reshape(yt, [k, n]));
    const natural = [...batch, ...aFree, ...bFree];
    const result = tfc.reshape(product, natural.map(dim));
    const perm = Array.from(out).map((c) => natural.indexOf(c));
    return isIdentity(perm) ? result : tfc.transpose(result, perm);
  });
}
