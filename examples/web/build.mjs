// Bundles the example page for browsers: `node examples/web/build.mjs [outdir]`, then serve index.html + main.js.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, 'dist'));
mkdirSync(out, { recursive: true });
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
await esbuild.build({
  entryPoints: [join(here, 'main.ts')],
  outfile: join(out, 'main.js'),
  bundle: true,
  minify: true,
  // describeLive names weights by their class (LayerVariable, …): keep class names through minification.
  keepNames: true,
  platform: 'browser',
  format: 'esm',
  // In this repository the package is resolved from its root (its browser build in dist/), as when installed.
  alias: { 'tfjs-checkpoint': resolve(here, '..', '..') },
  tsconfigRaw: {},
  logLevel: 'warning',
});
console.log(`built ${out}/index.html and main.js`);
