#!/usr/bin/env node
// Size of what the package adds to a browser app: an esbuild bundle of an app that imports everything from
// tfjs-checkpoint (tfjs external, as the app brings its own), minified, then gzipped; and the same with everything
// from tfjs-checkpoint/keras as well (Keras models and files). Printed by `npm run bench`.
'use strict';
const esbuild = require('esbuild');
const path = require('node:path');
const zlib = require('node:zlib');

const root = path.resolve(__dirname, '..');

/** min and min+gzip bytes of an app importing `specifiers` (each one whole). */
async function appBundleSize(specifiers) {
  const contents = specifiers.map((s, i) => `import * as m${i} from '${s}'; globalThis.m${i} = m${i};`).join('\n');
  const result = await esbuild.build({
    // Resolved from inside the package, so its name resolves to itself through its own `exports` (with the browser
    // condition), as an installed copy would.
    stdin: { contents, resolveDir: root, loader: 'js' },
    // Not the repository's tsconfig paths, which map the package's name to its sources for the tests.
    tsconfigRaw: {},
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

/** The main entry alone: what an app that restores TensorFlow checkpoints into tfjs models carries. */
function packageBundleSize() {
  return appBundleSize(['tfjs-checkpoint']);
}

/** The main entry and the Keras entry together. */
function packageWithKerasBundleSize() {
  return appBundleSize(['tfjs-checkpoint', 'tfjs-checkpoint/keras']);
}

module.exports = { packageBundleSize, packageWithKerasBundleSize };

if (require.main === module) {
  (async () => {
    const kB = (n) => (n / 1000).toFixed(1);
    for (const [label, size] of [
      ['package-only browser bundle', await packageBundleSize()],
      ['package + tfjs-checkpoint/keras browser bundle', await packageWithKerasBundleSize()],
    ]) {
      console.log(`${label}: ${kB(size.minBytes)} kB min, ${kB(size.gzipBytes)} kB min+gzip`);
    }
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
