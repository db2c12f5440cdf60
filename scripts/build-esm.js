#!/usr/bin/env node
// ES module builds of the package (the CommonJS build is tsc's dist/*.js):
//  - dist/esm/node/{index,node}.mjs: for `import` under Node; optional native addons and tfjs stay external and are
//    loaded lazily with a `require` from createRequire.
//  - dist/esm/browser/index.mjs: for browsers and bundlers. Modules with a `.browser.ts` sibling are replaced by it
//    (no node:fs, no native addons, no process).
// Both carry the small CommonJS dependencies (protobufjs/minimal, long, snappyjs, crc-32) inside, so the files are
// plain ESM that Node and every bundler take without CommonJS interop (Node's ESM cannot name their exports).
// tfjs stays external: it is loaded lazily, by the parts that need it.
'use strict';
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'esm');

/** Resolves `./x` to `./x.browser.ts` when that file exists next to `x.ts`. */
const browserSwaps = {
  name: 'browser-swaps',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const candidate = path.resolve(args.resolveDir, `${args.path}.browser.ts`);
      return fs.existsSync(candidate) ? { path: candidate } : undefined;
    });
  },
};

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  // No source maps: the package does not ship the TypeScript sources they would point to.
  sourcemap: false,
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
};

async function main() {
  fs.rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    ...common,
    entryPoints: { index: path.join(root, 'src/index.ts'), node: path.join(root, 'src/node.ts') },
    outdir: path.join(out, 'node'),
    platform: 'node',
    splitting: true,
    external: ['@tensorflow/*', '@node-rs/*', 'aws-crt'],
    banner: { js: "import { createRequire as __tfjsCheckpointCreateRequire } from 'node:module';\nconst require = __tfjsCheckpointCreateRequire(import.meta.url);" },
  });
  await esbuild.build({
    ...common,
    entryPoints: { index: path.join(root, 'src/index.ts') },
    outdir: path.join(out, 'browser'),
    platform: 'browser',
    // The Keras layers import tfjs statically; register.browser.ts loads them with import(), into a chunk of their
    // own, so index.mjs itself loads without tfjs.
    splitting: true,
    external: ['@tensorflow/*'],
    plugins: [browserSwaps],
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
