// ESLint flat config: typescript-eslint's strict-type-checked rules for every TypeScript file (src, test, bench,
// examples), type-aware through the project service (tsconfig.json includes them all). Plain-JS build scripts get
// the recommended rules without type information, since no tsconfig covers them.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The Node globals the CommonJS/ESM build scripts use (no dependency on the `globals` package for a handful). */
const nodeGlobals = Object.fromEntries(
  [
    'require',
    'module',
    'exports',
    '__dirname',
    '__filename',
    'process',
    'console',
    'Buffer',
    'URL',
    'setTimeout',
    'clearTimeout',
    'setImmediate',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'src/proto/gen/**',
      'node_modules/**',
      'coverage/**',
      '.jest-cache/**',
      '.venv-tf/**',
      'bench/results/**',
      'bench/workloads/**',
      'examples/web/dist/**',
      'test/keras_zoo/.generated/**',
      'scratch/**',
      'tmp/**',
      'docs/api/**',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['**/*.ts'],
    extends: [eslint.configs.recommended, ...tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Numbers in messages and paths (`shard ${i} of ${n}`) are the common, intended case.
      'restrict-template-expressions': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `() => set.delete(x)` style callbacks are how this code base writes one-statement handlers; a void value
      // returned from an arrow shorthand confuses no reader.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // An `async` method without `await` is how an implementation of a Promise-returning interface (FileSystem,
      // ByteSource) turns its throws into rejections, which is the interface's contract.
      '@typescript-eslint/require-await': 'off',
      // Expected command-line output is matched with its two-space columns written as two spaces, as printed.
      'no-regex-spaces': 'off',
      // Unused parameters are already rejected by tsc (noUnusedParameters); `_`-prefixed names are the escape hatch
      // for callbacks whose position matters.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Tests and benchmarks: a `!` on a value the test itself just produced fails the test with a TypeError when the
    // assumption breaks, which is the signal a hand-written check would give; the rule guards the library and the
    // examples, which users read and copy.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // tfjs's training options take numeric enums that tfjs does not export (`verbose: 0` is ModelLoggingVerbosity),
    // so the documented numbers are the only way to write them.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-enum-assignment': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [eslint.configs.recommended],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
