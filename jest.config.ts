import type { Config } from 'jest';

const TS_TRANSFORM: [string, Record<string, unknown>] = [
  'ts-jest',
  { tsconfig: '<rootDir>/../../tsconfig.test.json' },
];

/**
 * inversify 8 ships only ES modules, and jest's CommonJS runtime cannot
 * require those under Node 20, so the app's tests compile them to CommonJS.
 */
const ESM_DEPENDENCY_TRANSFORM: Partial<Config> = {
  transform: {
    '^.+\\.ts$': TS_TRANSFORM,
    '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(inversify|@inversifyjs)/)'],
};

const moduleNameMapper = {
  '^@iris/(domain|adapters-store|adapters-http|app)$': '<rootDir>/../$1/src',
};

function project(name: string, extra: Partial<Config> = {}): Config {
  return {
    displayName: name,
    rootDir: `packages/${name}`,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
    transform: { '^.+\\.ts$': TS_TRANSFORM },
    moduleNameMapper,
    ...extra,
  };
}

const config: Config = {
  // A global option: jest ignores testTimeout inside a project entry. The
  // end-to-end tests fetch a Debian package and start servers in beforeAll.
  testTimeout: 120_000,
  projects: [
    project('domain'),
    project('adapters-store'),
    project('adapters-http'),
    project('app', ESM_DEPENDENCY_TRANSFORM),
  ],
};

export default config;
