import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDataSource } from '@iris/adapters-store';
import { ApiClient, startTestServer, TestServer } from '../http/helpers';
import { freePort } from './servers';

const run = promisify(execFile);
const SCRIPTS = path.resolve(__dirname, '../../../../scripts');
/** Maximum wait accepted for a 503 while the database is down, in milliseconds. */
const FAIL_FAST_MS = 5000;

function mariadbInstalled(): boolean {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/sbin']);
  return dirs.some((dir) => existsSync(path.join(dir, 'mariadbd')));
}

if (!mariadbInstalled() && process.env.CI === 'true') {
  throw new Error('mariadbd is not installed: CI must run the MariaDB outage test');
}
const describeWithMariaDb = mariadbInstalled() ? describe : describe.skip;

describeWithMariaDb('MariaDB outage', () => {
  let mariadbDir: string;
  let env: NodeJS.ProcessEnv;
  let server: TestServer | null = null;

  async function mariadb(script: 'mariadb-up.sh' | 'mariadb-down.sh'): Promise<string> {
    const { stdout } = await run('bash', [path.join(SCRIPTS, script)], { env, timeout: 60_000 });
    return stdout.trim().split('\n').pop() ?? '';
  }

  beforeAll(async () => {
    mariadbDir = await mkdtemp(path.join(tmpdir(), 'iris-outage-db-'));
    const port = String(await freePort());
    env = { ...process.env, PATH: `${process.env.PATH}:/usr/sbin`, MARIADB_DIR: mariadbDir, MARIADB_PORT: port };
    const url = await mariadb('mariadb-up.sh');

    const migrator = createDataSource(url);
    await migrator.initialize();
    await migrator.runMigrations({ transaction: 'each' });
    await migrator.destroy();
    server = await startTestServer({ IRIS_DATABASE_URL: url });
  });

  afterAll(async () => {
    // The pool may be broken, so closing the server must not wait on it forever.
    await server?.close().catch(() => undefined);
    await mariadb('mariadb-down.sh').catch(() => undefined);
    await rm(mariadbDir, { recursive: true, force: true });
  });

  it('serves 503 while down and 200 after', async () => {
    const api = new ApiClient((server as TestServer).url);
    const image = await api.createImage({ name: 'outage' });
    expect((await api.get('/v2/images')).status).toBe(200);

    await mariadb('mariadb-down.sh');

    for (const target of ['/v2/images', `/v2/images/${image.id}`, '/v2/tasks']) {
      const started = Date.now();
      const res = await api.get(target, { Accept: 'application/json' });
      expect(Date.now() - started).toBeLessThan(FAIL_FAST_MS);
      expect(res.status).toBe(503);
      expect(res.text).toContain('The image database cannot be reached');
    }

    await mariadb('mariadb-up.sh');

    const listed = await api.get('/v2/images');
    expect(listed.status).toBe(200);
    expect(listed.json.images.map((item: { id: string }) => item.id)).toEqual([image.id]);
    expect((await api.get(`/v2/images/${image.id}`)).status).toBe(200);
  });
});
