/**
 * The API reference (`npm run docs`): it builds with TypeDoc's validation as errors (every public export has a
 * summary, no public signature names an unexported type, no broken link or include), and its examples are the code
 * the example tests run. One source of truth: a TSDoc `@example` holds nothing but `{@includeCode}` of a region of
 * an examples/*.ts file, and every such file is run by test/examples.test.ts against the bundled checkpoint.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** The entry points whose reference pages must show a runnable example. */
const MAIN_ENTRY_POINTS = [
  'CheckpointReader',
  'CheckpointView',
  'Checkpoint',
  'CheckpointManager',
  'listVariables',
  'loadVariable',
  'compareWithCheckpoint',
  'loadWeights',
  'HttpFileSystem',
  'BlobFileSystem',
  'fromCheckpoint',
  'saveToSink',
  'kerasToTfjsTopology',
  'loadKerasModel',
];

interface CommentPart {
  kind: string;
  text: string;
}
interface Reflection {
  name: string;
  comment?: { blockTags?: Array<{ tag: string; content: CommentPart[] }> };
  signatures?: Reflection[];
  children?: Reflection[];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'gen' ? [] : sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Each `@example` of the TSDoc comments under src/: where it is, and its lines up to the next tag or comment end. */
function sourceExamples(): Array<{ where: string; lines: string[] }> {
  const out: Array<{ where: string; lines: string[] }> = [];
  for (const file of sourceFiles(path.join(ROOT, 'src'))) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!/^\s*\* @example\b/.test(line)) return;
      const body: string[] = [];
      for (let j = i + 1; j < lines.length; j++) {
        const text = (lines[j] ?? '').trim();
        if (text.startsWith('*/') || /^\* @\w/.test(text)) break;
        body.push(text.replace(/^\*\s?/, ''));
      }
      out.push({ where: `${path.relative(ROOT, file)}:${i + 1}`, lines: body.filter((l) => l !== '') });
    });
  }
  return out;
}

const INCLUDE = /^\{@includeCode (\S+?)(?:#([\w-]+))?\}$/;

describe('API reference', () => {
  let tmp: string;
  let model: Reflection;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-docs-'));
    // A child process: TypeDoc is an ES module, which jest's CommonJS runtime cannot import.
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'scripts/docs.js'), '--out', path.join(tmp, 'api'), '--json', path.join(tmp, 'api.json')],
      {
        cwd: ROOT,
        stdio: 'pipe',
      },
    );
    model = JSON.parse(fs.readFileSync(path.join(tmp, 'api.json'), 'utf8')) as Reflection;
  }, 120_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('builds with no warning (it would have failed the build) into HTML pages', () => {
    expect(fs.existsSync(path.join(tmp, 'api', 'index.html'))).toBe(true);
    expect(fs.existsSync(path.join(tmp, 'api', 'classes', 'index.CheckpointReader.html'))).toBe(true);
  });

  it('documents every entry point of package.json exports', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { entryPoints } = require('../scripts/docs.js') as { entryPoints: () => string[] };
    const exported = entryPoints();
    expect(exported).toEqual(expect.arrayContaining(['src/index.ts', 'src/node.ts']));
    const modules = (model.children ?? []).map((m) => m.name);
    expect(modules).toHaveLength(exported.length);
    expect(modules).toEqual(expect.arrayContaining(['index', 'node']));
  });

  it('an @example holds only {@includeCode} of an examples/ file region that test/examples.test.ts runs', () => {
    const examples = sourceExamples();
    expect(examples.length).toBeGreaterThanOrEqual(MAIN_ENTRY_POINTS.length);
    const tested = fs.readFileSync(path.join(ROOT, 'test/examples.test.ts'), 'utf8');
    for (const { where, lines } of examples) {
      expect({ where, lines: lines.filter((l) => !INCLUDE.test(l)) }).toEqual({ where, lines: [] });
      expect({ where, includes: lines.length > 0 }).toEqual({ where, includes: true });
      for (const line of lines) {
        const [, target = '', region] = INCLUDE.exec(line) ?? [];
        const file = path.resolve(ROOT, path.dirname(where.split(':')[0] ?? ''), target);
        expect({ where, file: path.relative(ROOT, path.dirname(file)), region: region !== undefined }).toEqual({
          where,
          file: 'examples',
          region: true,
        });
        expect({
          where,
          runByExamplesTest: tested.includes(`import('../examples/${path.basename(file, '.ts')}')`),
        }).toEqual({ where, runByExamplesTest: true });
      }
    }
  });

  it('shows, for each main entry point, example code that is in its examples/ file', () => {
    const all: Reflection[] = [];
    const walk = (r: Reflection): void => {
      all.push(r);
      (r.children ?? []).forEach(walk);
    };
    walk(model);
    const exampleFiles = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.ts'));
    const exampleLines = new Set(
      exampleFiles.flatMap((f) =>
        fs
          .readFileSync(path.join(ROOT, 'examples', f), 'utf8')
          .split('\n')
          .map((l) => l.trim()),
      ),
    );
    for (const name of MAIN_ENTRY_POINTS) {
      const reflection = all.find(
        (r) => r.name === name && (r.comment !== undefined || r.signatures?.[0]?.comment !== undefined),
      );
      const comment = reflection?.comment ?? reflection?.signatures?.[0]?.comment;
      const code = (comment?.blockTags ?? [])
        .filter((t) => t.tag === '@example')
        .flatMap((t) => t.content.filter((p) => p.kind === 'code').map((p) => p.text));
      expect({ name, examples: code.length > 0 }).toEqual({ name, examples: true });
      const lines = code
        .flatMap((c) => c.split('\n').map((l) => l.trim()))
        .filter((l) => l !== '' && !l.startsWith('```'));
      expect({ name, lines: lines.length > 0 }).toEqual({ name, lines: true });
      expect({ name, notInExamples: lines.filter((l) => !exampleLines.has(l)) }).toEqual({ name, notInExamples: [] });
    }
  });
});
