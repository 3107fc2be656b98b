import { createDataSource } from '@iris/adapters-store';
import { randomBytes } from 'node:crypto';
import { ApiClient, startTestServer } from './http/helpers';

const serverUrl = process.env.IRIS_TEST_MYSQL_URL;
if (serverUrl === undefined && process.env.CI === 'true') {
  throw new Error('IRIS_TEST_MYSQL_URL is not set: CI must run the MariaDB start-up tests');
}
const describeOnMariaDb = serverUrl === undefined ? describe.skip : describe;

/** Creates an empty database with the server's default character set (latin1 on Debian). */
async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `iris_startup_${randomBytes(4).toString('hex')}`;
  const admin = createDataSource(String(serverUrl));
  await admin.initialize();
  await admin.query(`CREATE DATABASE \`${name}\``);
  const url = new URL(String(serverUrl));
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE \`${name}\``);
      await admin.destroy();
    },
  };
}

describeOnMariaDb('start-up on MariaDB', () => {
  it('refuses a database with pending migrations', async () => {
    const database = await createEmptyDatabase();
    try {
      await expect(startTestServer({ IRIS_DATABASE_URL: database.url })).rejects.toThrow(
        /pending migrations: run 'npm run manage -- db sync'/,
      );
    } finally {
      await database.drop();
    }
  });

  it('stores Unicode and case-distinct tags after db sync', async () => {
    const database = await createEmptyDatabase();
    const dataSource = createDataSource(database.url);
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.destroy();
    const server = await startTestServer({ IRIS_DATABASE_URL: database.url });
    try {
      const api = new ApiClient(server.url);
      const created = await api.createImage({ name: '镜像', tags: ['A', 'a'] });
      const upper = await api.get(`/v2/images?name=${encodeURIComponent('Ü')}`);

      expect(created.name).toBe('镜像');
      expect([...created.tags].sort()).toEqual(['A', 'a']);
      expect((await api.get(`/v2/images/${created.id}`)).json.name).toBe('镜像');
      expect(upper.json.images).toEqual([]);
    } finally {
      await server.close();
      await database.drop();
    }
  });
});
