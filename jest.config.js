/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/setup.ts'],
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // Examples import the package by name, as users do.
  moduleNameMapper: { '^tfjs-checkpoint$': '<rootDir>/src/index.ts' },
  cacheDirectory: '<rootDir>/.jest-cache',
  testTimeout: 60000,
};
