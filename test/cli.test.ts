/** The command line: output, exit codes and errors, run in-process through its main(). */
import * as path from 'node:path';

import { EXAMPLE_CHECKPOINT, main } from '../src/cli/main';
import { CORPUS_DIR, corpusAvailable, FIXTURES_DIR, listCheckpointDirs } from './helpers/shared';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('tfjs-checkpoint inspect', () => {
  it('prints exactly TensorFlow`s inspect_checkpoint lines, then the object graph', async () => {
    const fixture = listCheckpointDirs(FIXTURES_DIR).find((f) => f.name === 'tf1-slots')!;
    const { code, out } = await run(['inspect', fixture.prefix]);
    expect(code).toBe(0);
    const [tensors, tree] = out.split('\n\n');
    expect(tensors!.split('\n')).toEqual(fixture.oracle!.inspect_lines);
    expect(tree).toContain('Object graph (');
    expect(tree).toMatch(/├─ model #\d+\n│  ├─ v #\d+  float32\[3\] 12 B  model\/v\/.ATTRIBUTES\/VARIABLE_VALUE\n│  └─ w #\d+  float32\[2,2\] 16 B  model\/w\/\.ATTRIBUTES\/VARIABLE_VALUE/);
    expect(tree).toMatch(/slot 'm' for \(root\)\.model\.v #\d+  float32\[3\] 12 B/);
  });

  (corpusAvailable() ? it : it.skip)('matches TensorFlow on every shared checkpoint it can read', async () => {
    for (const c of listCheckpointDirs(CORPUS_DIR).filter((x) => x.oracle?.inspect_lines)) {
      const { code, out } = await run(['inspect', c.prefix]);
      expect([c.name, code]).toEqual([c.name, 0]);
      expect(out.split('\n\n')[0]!.trimEnd().split('\n')).toEqual(c.oracle!.inspect_lines);
    }
  });

  it('inspects the bundled example when no path is given', async () => {
    const { code, out, err } = await run(['inspect']);
    expect(code).toBe(0);
    expect(err).toBe(`No PATH given: inspecting the bundled example ${EXAMPLE_CHECKPOINT}\n`);
    expect(out).toContain('model/_operations/1/_kernel/.ATTRIBUTES/VARIABLE_VALUE (DT_FLOAT) [4,8]\n');
    expect(out).toContain('│  │  ├─ 1 #14\n│  │  │  ├─ _kernel #23  float32[4,8] 128 B  model/_operations/1/_kernel/.ATTRIBUTES/VARIABLE_VALUE\n');
  });

  it('says so for a name-based checkpoint', async () => {
    const { code, out } = await run(['inspect', path.join(FIXTURES_DIR, 'name-based', 'model.ckpt')]);
    expect(code).toBe(0);
    expect(out).toContain('partitioned (DT_FLOAT) [4,6]\n');
    expect(out).toContain('No object graph: a name-based (TF1) checkpoint.');
  });

  it('fails with one line on stderr and exit code 2', async () => {
    const missing = path.join(FIXTURES_DIR, 'nope');
    const { code, out, err } = await run(['inspect', missing]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`tfjs-checkpoint: Unsuccessful TensorSliceReader constructor: Failed to find any matching files for ${missing}\n`);
    expect((await run(['bogus'])).code).toBe(2);
  });
});
