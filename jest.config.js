/**
 * Two jest projects, one per tfjs backend, so every test that creates tensors runs on both:
 *  - cpu: the pure-JS @tensorflow/tfjs, with @tensorflow/tfjs-node hidden (code that prefers it, like the CLI,
 *    falls back as it does where tfjs-node is not installed);
 *  - tensorflow: @tensorflow/tfjs-node, TensorFlow's own kernels; only when its native addon is built
 *    (bash scripts/setup-tfjs-node.sh), else skipped with a message at the start and in the summary.
 * One project alone: npx jest --selectProjects tensorflow (or cpu).
 */
const fs = require('node:fs');
const path = require('node:path');

// Test files that never create a tfjs tensor (bundle bytes, file formats): running them twice proves nothing.
const BACKEND_FREE = ['bundle', 'corpus', 'numpy_format', 'docs'];

/** Why the tensorflow project cannot run, or null when tfjs-node's addon is built. */
function tfjsNodeMissing() {
  let pkg;
  try {
    pkg = path.dirname(require.resolve('@tensorflow/tfjs-node/package.json'));
  } catch {
    return '@tensorflow/tfjs-node is not installed';
  }
  const lib = path.join(pkg, 'lib');
  const built =
    fs.existsSync(lib) && fs.readdirSync(lib).some((d) => fs.existsSync(path.join(lib, d, 'tfjs_binding.node')));
  return built ? null : "@tensorflow/tfjs-node's native addon is not built";
}

const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // Examples import the package by name, as users do.
  moduleNameMapper: {
    '^tfjs-checkpoint$': '<rootDir>/src/index.ts',
    '^tfjs-checkpoint/keras$': '<rootDir>/src/keras/index.ts',
  },
  cacheDirectory: '<rootDir>/.jest-cache',
};

// Read by TensorFlow when tfjs-node's library loads in a test worker (a test file's process.env is a copy, too
// late): quiet start-up, and no oneDNN, which crashes with SIGFPE on some pooling shapes on machines like the CI's.
process.env.TF_CPP_MIN_LOG_LEVEL ??= '3';
process.env.TF_ENABLE_ONEDNN_OPTS ??= '0';

const missing = tfjsNodeMissing();
const notes = [];
if (missing !== null) {
  notes.push(`SKIPPED: the tensorflow backend (${missing}): run bash scripts/setup-tfjs-node.sh to test on it`);
  process.stderr.write(`\n${notes[0]}\n\n`);
}

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'cpu',
      setupFiles: ['<rootDir>/test/setup.ts'],
      moduleNameMapper: {
        ...shared.moduleNameMapper,
        '^@tensorflow/tfjs-node$': '<rootDir>/test/helpers/no_tfjs_node.js',
      },
    },
    ...(missing === null
      ? [
          {
            ...shared,
            displayName: 'tensorflow',
            setupFiles: ['<rootDir>/test/setup_tensorflow.ts'],
            testPathIgnorePatterns: ['/node_modules/', ...BACKEND_FREE.map((name) => `/test/${name}\\.test\\.ts$`)],
          },
        ]
      : []),
  ],
  reporters: ['default', ['<rootDir>/test/summary-reporter.js', { notes }]],
  testTimeout: 60000,
};
