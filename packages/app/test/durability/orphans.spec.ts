import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiClient, startTestServer, TestServer } from '../http/helpers';

const run = promisify(execFile);
const MANAGE = path.resolve(__dirname, '../../dist/manage.js');

describe('manage images orphans', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server.close();
  });

  async function manage(...args: string[]): Promise<string> {
    const env = { ...process.env, IRIS_DATA_DIR: server.dataDir, IRIS_LOG_LEVEL: 'silent' };
    const { stdout } = await run(process.execPath, [MANAGE, ...args], { env, timeout: 30_000 });
    return stdout;
  }

  it('lists and removes unused files', async () => {
    const api = new ApiClient(server.url);
    const liveId = await api.createActiveImage(randomBytes(4096));
    const queued = await api.createImage({ disk_format: 'raw', container_format: 'bare' });
    const unknownFile = path.join(server.imagesDir, randomUUID());
    const unusedFile = path.join(server.imagesDir, queued.id);
    const partialFile = path.join(server.imagesDir, `.partial-${queued.id}-0123456789ab`);
    await writeFile(unknownFile, 'no image');
    await writeFile(unusedFile, 'queued image has no location');
    await writeFile(partialFile, 'interrupted');

    const listed = await manage('images', 'orphans');

    expect(listed).toContain(`orphan ${unknownFile}\n`);
    expect(listed).toContain(`orphan ${unusedFile}\n`);
    expect(listed).toContain(`partial ${partialFile}\n`);
    expect(listed).not.toContain(liveId);
    expect(listed).toContain('found 3 file(s)');
    expect((await readdir(server.imagesDir)).sort()).toHaveLength(4);

    const removed = await manage('images', 'orphans', '--delete');

    expect(removed).toContain(`removed partial ${partialFile}\n`);
    expect(removed).toContain('removed 3 file(s)');
    expect(await readdir(server.imagesDir)).toEqual([liveId]);
    expect((await api.get(`/v2/images/${liveId}/file`)).status).toBe(200);
  });
});

describe('manage commands', () => {
  it('help prints the usage and exits 0', async () => {
    const { stdout } = await run(process.execPath, [MANAGE, '--help'], { timeout: 30_000 });

    expect(stdout).toContain('usage: npm run manage -- COMMAND');
  });

  it.each([
    [['bogus'], "manage: unknown command 'bogus'"],
    [[], 'manage: missing command'],
  ])('%j exits 2 with the reason', async (args, reason) => {
    const failure = run(process.execPath, [MANAGE, ...args], { timeout: 30_000 });

    await expect(failure).rejects.toMatchObject({ code: 2 });
    const { stderr } = (await failure.catch((error: unknown) => error)) as { stderr: string };
    expect(stderr.startsWith(`${reason}\nusage: npm run manage -- COMMAND`)).toBe(true);
  });
});
