#!/usr/bin/env node
// ES module builds of the package (the CommonJS build is tsc's dist/*.js):
//  - dist/esm/node/{index,node,keras}.mjs: for `import` under Node; optional native addons and tfjs stay external and are
//    loaded lazily with a `require` from createRequire.
//  - dist/esm/browser/{index,keras}.mjs: for browsers and bundlers. Modules with a `.browser.ts` sibling are replaced by it
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

/** Resolves `./x` to the first of `./x.SUFFIX.ts` that exists next to `x.ts`, for each suffix in order. */
const swaps = (...suffixes) => ({
  name: `swaps-${suffixes.join('-')}`,
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      for (const suffix of suffixes) {
        const candidate = path.resolve(args.resolveDir, `${args.path}.${suffix}.ts`);
        if (fs.existsSync(candidate)) return { path: candidate };
      }
      return undefined;
    });
  },
});

/**
 * The Keras layers (src/keras/layers) import tfjs statically, to subclass its layers; in ES-module builds they see
 * tfjs through live bindings instead (layers/tfjs_live_*.ts, bound by register.esm.ts), so no chunk of the package
 * imports tfjs statically.
 */
const kerasLayersTfjs = {
  name: 'keras-layers-tfjs',
  setup(build) {
    const dir = path.join(root, 'src', 'keras', 'layers') + path.sep;
    build.onResolve({ filter: /^@tensorflow\/tfjs-(core|layers)$/ }, (args) =>
      args.importer.startsWith(dir)
        ? { path: path.join(dir, `tfjs_live_${args.path.slice('@tensorflow/tfjs-'.length)}.ts`) }
        : undefined,
    );
  },
};

/**
 * No long.js: the package decodes int64 fields as numbers (src/bundle/protos.ts), and protobufjs only `require`s
 * long.js, optionally, to offer it; without this it would land in the bundle (11 kB minified) unused.
 */
const noLong = {
  name: 'no-long',
  setup(build) {
    build.onResolve({ filter: /^long$/ }, () => ({ path: 'long', namespace: 'no-long' }));
    build.onLoad({ filter: /.*/, namespace: 'no-long' }, () => ({ contents: 'module.exports = null;', loader: 'js' }));
  },
};

/**
 * No RPC: protobufjs/minimal loads its service runtime (rpc, an event emitter, a promise helper) for generated
 * services, and the codec has none (gen-proto.js passes --no-service); 2 kB minified of every bundle, unused.
 */
const noProtobufRpc = {
  name: 'no-protobuf-rpc',
  setup(build) {
    const unused = /[\\/]protobufjs[\\/]src[\\/](index-minimal|util[\\/]minimal)\.js$/;
    build.onResolve({ filter: /^\.\/(rpc|eventemitter|aspromise)$/ }, (args) =>
      unused.test(args.importer) ? { path: args.path, namespace: 'no-protobuf-rpc' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'no-protobuf-rpc' }, () => ({
      contents: 'module.exports = null;',
      loader: 'js',
    }));
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
    entryPoints: {
      index: path.join(root, 'src/index.ts'),
      node: path.join(root, 'src/node.ts'),
      keras: path.join(root, 'src/keras/index.ts'),
    },
    outdir: path.join(out, 'node'),
    platform: 'node',
    splitting: true,
    external: ['@tensorflow/*', '@node-rs/*', 'aws-crt'],
    plugins: [swaps('esm'), kerasLayersTfjs, noLong, noProtobufRpc],
    banner: {
      js: "import { createRequire as __tfjsCheckpointCreateRequire } from 'node:module';\nconst require = __tfjsCheckpointCreateRequire(import.meta.url);",
    },
  });
  await esbuild.build({
    ...common,
    // Two entries of one build, so the Keras entry shares the main entry's modules (one registry of openers).
    entryPoints: { index: path.join(root, 'src/index.ts'), keras: path.join(root, 'src/keras/index.ts') },
    outdir: path.join(out, 'browser'),
    platform: 'browser',
    // The Keras layers import tfjs statically; register.browser.ts loads them with import(), into a chunk of their
    // own, so index.mjs itself loads without tfjs.
    splitting: true,
    external: ['@tensorflow/*'],
    plugins: [swaps('browser', 'esm'), kerasLayersTfjs, noLong, noProtobufRpc],
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
