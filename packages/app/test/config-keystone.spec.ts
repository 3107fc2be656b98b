import { loadConfig } from '../src/config';

const KEYSTONE = {
  IRIS_AUTH: 'keystone',
  IRIS_KEYSTONE_URL: 'http://127.0.0.1:5000/v3',
  IRIS_KEYSTONE_USERNAME: 'glance',
  IRIS_KEYSTONE_PASSWORD: 'secret',
  IRIS_KEYSTONE_PROJECT: 'service',
};

describe('Keystone settings', () => {
  it('defaults the domains and the cache', () => {
    const config = loadConfig(KEYSTONE);

    expect(config.auth).toBe('keystone');
    expect(config.keystoneUserDomain).toBe('Default');
    expect(config.keystoneProjectDomain).toBe('Default');
    expect(config.tokenCacheTtlMs).toBe(300_000);
    expect(config.tokenCacheSize).toBe(10_000);
    expect(config.keystoneTimeoutMs).toBe(5000);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ...KEYSTONE,
      IRIS_KEYSTONE_USER_DOMAIN: 'users',
      IRIS_KEYSTONE_PROJECT_DOMAIN: 'projects',
      IRIS_KEYSTONE_TIMEOUT_MS: '1500',
      IRIS_KEYSTONE_CACHE_TTL_MS: '0',
      IRIS_KEYSTONE_CACHE_SIZE: '50',
      IRIS_POLICY_FILE: '/etc/iris/policy.yaml',
    });

    expect(config).toMatchObject({
      keystoneUrl: 'http://127.0.0.1:5000/v3',
      keystoneUsername: 'glance',
      keystonePassword: 'secret',
      keystoneProject: 'service',
      keystoneUserDomain: 'users',
      keystoneProjectDomain: 'projects',
      keystoneTimeoutMs: 1500,
      tokenCacheTtlMs: 0,
      tokenCacheSize: 50,
      policyFile: '/etc/iris/policy.yaml',
    });
  });

  it('names the missing settings', () => {
    expect(() => loadConfig({ IRIS_AUTH: 'keystone', IRIS_KEYSTONE_URL: 'http://127.0.0.1:5000/v3' })).toThrow(
      'IRIS_AUTH=keystone needs IRIS_KEYSTONE_USERNAME, IRIS_KEYSTONE_PASSWORD, IRIS_KEYSTONE_PROJECT',
    );
  });

  it('rejects a URL without scheme', () => {
    expect(() => loadConfig({ ...KEYSTONE, IRIS_KEYSTONE_URL: '127.0.0.1:5000/v3' })).toThrow(/IRIS_KEYSTONE_URL/);
  });

  it('rejects a zero timeout', () => {
    expect(() => loadConfig({ ...KEYSTONE, IRIS_KEYSTONE_TIMEOUT_MS: '0' })).toThrow(/IRIS_KEYSTONE_TIMEOUT_MS/);
  });

  it('noauth needs no Keystone settings', () => {
    expect(loadConfig({}).auth).toBe('noauth');
  });
});
