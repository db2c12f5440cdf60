#!/usr/bin/env node
// Generates the static protobuf codec (JS + type declarations) from proto/*.proto into src/proto/gen/.
// The output is derived and git-ignored; `npm install` (prepare), `npm run build` and `npm test` regenerate it.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'src', 'proto', 'gen');
// checkpoint_state.proto describes a file stored in protobuf text format, which src/bundle/checkpoint_state.ts
// parses and writes by hand: a binary codec of it would only add to every bundle.
const TEXT_FORMAT_ONLY = new Set(['checkpoint_state.proto']);
const protos = fs
  .readdirSync(path.join(root, 'proto'))
  .filter((f) => f.endsWith('.proto') && !TEXT_FORMAT_ONLY.has(f))
  .sort()
  .map((f) => path.join(root, 'proto', f));
const js = path.join(outDir, 'protos.js');
const dts = path.join(outDir, 'protos.d.ts');

// `--copy-to DIR`: put the generated files where the compiled library expects them (tsc does not copy .js).
const copyTo = process.argv.indexOf('--copy-to');
if (copyTo > 0) {
  const dest = path.resolve(root, process.argv[copyTo + 1]);
  fs.mkdirSync(dest, { recursive: true });
  for (const f of [js, dts]) fs.copyFileSync(f, path.join(dest, path.basename(f)));
  process.exit(0);
}

const newest = Math.max(...protos.map((p) => fs.statSync(p).mtimeMs), fs.statSync(__filename).mtimeMs);
if (fs.existsSync(js) && fs.existsSync(dts) && fs.statSync(dts).mtimeMs >= newest) process.exit(0);

fs.mkdirSync(outDir, { recursive: true });
const bin = (name) => require.resolve(`protobufjs-cli/bin/${name}`);
// int64 fields are typed number | Long (no --force-long): src/bundle/protos.ts decodes them as numbers.
execFileSync(
  process.execPath,
  [
    bin('pbjs'),
    '-t',
    'static-module',
    '-w',
    'commonjs',
    '--no-delimited',
    '--no-create',
    '--no-typeurl',
    '--no-verify',
    '--no-convert',
    '--no-service',
    '-o',
    js,
    ...protos,
  ],
  { stdio: 'inherit' },
);
execFileSync(process.execPath, [bin('pbts'), '--no-comments', '-o', dts, js], { stdio: 'inherit' });
console.log(`generated ${path.relative(root, js)} and ${path.relative(root, dts)}`);
