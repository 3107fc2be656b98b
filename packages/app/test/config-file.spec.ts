import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';

describe('IRIS_CONFIG file', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'iris-config-file-'));
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  async function configFile(settings: Record<string, unknown>): Promise<string> {
    const file = path.join(folder, 'iris.json');
    await writeFile(file, JSON.stringify(settings));
    return file;
  }

  it('rejects unknown keys', async () => {
    const file = await configFile({ port: 9393, dataDIr: '/srv/iris', bogus: 1 });

    expect(() => loadConfig({ IRIS_CONFIG: file })).toThrow(`Unknown setting 'dataDIr', 'bogus' in ${file} (IRIS_CONFIG)`);
  });

  it('names the file key of an invalid value', async () => {
    const file = await configFile({ port: 'abc' });

    expect(() => loadConfig({ IRIS_CONFIG: file })).toThrow(
      `Invalid IRIS_PORT 'abc': expected a number (set as 'port' in ${file})`,
    );
  });

  it('names only the variable when the environment set the value', async () => {
    const file = await configFile({ port: 'abc' });

    expect(() => loadConfig({ IRIS_CONFIG: file, IRIS_PORT: 'xyz' })).toThrow(/^Invalid IRIS_PORT 'xyz': expected a number$/);
  });

  it('reads known keys', async () => {
    const file = await configFile({ port: 9393, logLevel: 'warn' });

    const config = loadConfig({ IRIS_CONFIG: file });

    expect(config.port).toBe(9393);
    expect(config.logLevel).toBe('warn');
  });
});
