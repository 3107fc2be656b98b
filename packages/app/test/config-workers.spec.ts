import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';

describe('IRIS_WORKERS', () => {
  it('defaults to one process', () => {
    expect(loadConfig({}).workers).toBe(1);
  });

  it.each([
    ['1', 1],
    ['2', 2],
    [' 8 ', 8],
    ['64', 64],
  ])('reads %s', (value, expected) => {
    expect(loadConfig({ IRIS_WORKERS: value }).workers).toBe(expected);
  });

  it.each(['auto', 'AUTO'])('reads %s as the number of CPUs', (value) => {
    expect(loadConfig({ IRIS_WORKERS: value }).workers).toBe(Math.min(availableParallelism(), 64));
  });

  it.each(['0', '-1', 'abc', '1.5', '2x', '65', '999999'])('rejects %s', (value) => {
    expect(() => loadConfig({ IRIS_WORKERS: value })).toThrow(
      `Invalid IRIS_WORKERS '${value}': expected an integer from 1 to 64, or auto`,
    );
  });

  describe('in the configuration file', () => {
    let folder: string;

    beforeEach(async () => {
      folder = await mkdtemp(path.join(tmpdir(), 'iris-config-'));
    });

    afterEach(async () => {
      await rm(folder, { recursive: true, force: true });
    });

    async function configFile(settings: Record<string, unknown>): Promise<string> {
      const file = path.join(folder, 'iris.json');
      await writeFile(file, JSON.stringify(settings));
      return file;
    }

    it('reads the workers key', async () => {
      const file = await configFile({ workers: 3 });

      expect(loadConfig({ IRIS_CONFIG: file }).workers).toBe(3);
    });

    it('reads auto from the file', async () => {
      const file = await configFile({ workers: 'auto' });

      expect(loadConfig({ IRIS_CONFIG: file }).workers).toBe(Math.min(availableParallelism(), 64));
    });

    it('lets the environment override the file', async () => {
      const file = await configFile({ workers: 3 });

      expect(loadConfig({ IRIS_CONFIG: file, IRIS_WORKERS: '1' }).workers).toBe(1);
    });

    it('rejects zero in the file', async () => {
      const file = await configFile({ workers: 0 });

      expect(() => loadConfig({ IRIS_CONFIG: file })).toThrow("Invalid IRIS_WORKERS '0'");
    });
  });
});
