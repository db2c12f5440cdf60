#!/usr/bin/env node
// Size of what the package adds to a browser app: an esbuild bundle of an app that imports everything from
// tfjs-checkpoint (tfjs external, as the app brings its own), minified, then gzipped. Printed by `npm run bench`.
'use strict';
const esbuild = require('esbuild');
const path = require('node:path');
const zlib = require('node:zlib');

const root = path.resolve(__dirname, '..');

async function packageBundleSize() {
  const result = await esbuild.build({
    stdin: { contents: "import * as t from 'tfjs-checkpoint'; globalThis.tfjsCheckpoint = t;", resolveDir: root, loader: 'js' },
    // The package resolves itself by name through its own `exports`, as an installed copy would.
    alias: { 'tfjs-checkpoint': root },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    external: ['@tensorflow/*'],
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { minBytes: code.length, gzipBytes: zlib.gzipSync(code, { level: 9 }).length };
}

module.exports = { packageBundleSize };

if (require.main === module) {
  packageBundleSize().then(({ minBytes, gzipBytes }) => {
    console.log(`package-only browser bundle: ${(minBytes / 1000).toFixed(1)} kB min, ${(gzipBytes / 1000).toFixed(1)} kB min+gzip`);
  });
}
