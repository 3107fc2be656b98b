import type { Config } from 'jest';

const moduleNameMapper = {
  '^@iris/(domain|adapters-store|adapters-http|app)$': '<rootDir>/../$1/src',
};

function project(name: string, extra: Partial<Config> = {}): Config {
  return {
    displayName: name,
    rootDir: `packages/${name}`,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
    transform: {
      '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../../tsconfig.test.json' }],
    },
    moduleNameMapper,
    ...extra,
  };
}

const config: Config = {
  projects: [
    project('domain'),
    project('adapters-store'),
    project('adapters-http'),
    project('app', { testTimeout: 300_000 }),
  ],
};

export default config;
