#!/usr/bin/env node
// `npm run docs`: the API reference, generated from the TSDoc comments by TypeDoc into docs/api/ (gitignored).
// The entry points are the package's own: every `exports` entry of package.json with types under dist/ maps to its
// source (./dist/node.d.ts -> src/node.ts), so a new entry (tfjs-checkpoint/keras) is documented without editing
// this file. Everything else is in typedoc.json; warnings fail the build (a missing summary, an unexported type in a
// public signature, a broken {@link} or {@includeCode}).
'use strict';
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** The source file of each public entry point, in the order package.json lists them. */
function entryPoints() {
  const { exports } = require(path.join(root, 'package.json'));
  const sources = [];
  for (const target of Object.values(exports)) {
    const types = typeof target === 'object' && target !== null ? target.types : undefined;
    const match = typeof types === 'string' ? /^\.\/dist\/(.+)\.d\.ts$/.exec(types) : null;
    if (match) sources.push(`src/${match[1]}.ts`);
  }
  return sources;
}

/**
 * Builds the reference into `out` (typedoc.json's `out` when omitted), and its JSON model into `json` when given;
 * resolves to the number of problems logged.
 */
async function buildDocs({ out, json } = {}) {
  const td = await import('typedoc');
  const app = await td.Application.bootstrapWithPlugins(
    {
      options: path.join(root, 'typedoc.json'),
      entryPoints: entryPoints().map((p) => path.join(root, p)),
      ...(out ? { out } : {}),
      ...(json ? { json } : {}),
    },
    [new td.TypeDocReader(), new td.TSConfigReader()],
  );
  const project = await app.convert();
  if (project) {
    app.validate(project);
    if (app.logger.hasErrors() || app.logger.hasWarnings()) return app.logger.errorCount + app.logger.warningCount;
    await app.generateOutputs(project);
  }
  return app.logger.errorCount + app.logger.warningCount + (project ? 0 : 1);
}

module.exports = { buildDocs, entryPoints };

/** `--out DIR` and `--json FILE` (test/docs.test.ts builds into a temporary folder). */
function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if ((flag !== '--out' && flag !== '--json') || value === undefined)
      throw new Error(`usage: node scripts/docs.js [--out DIR] [--json FILE]`);
    options[flag.slice(2)] = value;
  }
  return options;
}

if (require.main === module) {
  buildDocs(parseArgs(process.argv.slice(2))).then(
    (problems) => {
      if (problems > 0) {
        console.error(`docs: ${problems} problem(s), see above`);
        process.exitCode = 1;
      }
    },
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
