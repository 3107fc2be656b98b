/**
 * End-to-end test that drives the real OpenStack command-line clients
 * (python3-openstackclient and python3-glanceclient from Debian 12) against an
 * Images API v2 server.
 *
 * With E2E_ENDPOINT set (for example http://127.0.0.1:9292), the test uses that
 * running server and starts nothing. Otherwise it starts
 * `node packages/app/dist/main.js` (build it first with `npm run build`) on a free
 * port with a fresh data directory, and stops it with SIGTERM at the end.
 *
 * The disk images are the GRUB rescue ISO from Debian's grub-rescue-pc package
 * and a qcow2 converted from it, prepared by fetch-test-image.sh and cached in
 * <repo>/.tmp/e2e-images.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, Server as HttpServer } from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const SERVER_ENTRY_POINT = path.join(REPO_ROOT, 'packages/app/dist/main.js');
const FETCH_IMAGE_SCRIPT = path.join(__dirname, 'fetch-test-image.sh');
const IMAGE_CACHE_DIR = path.join(REPO_ROOT, '.tmp/e2e-images');

const SERVER_READY_TIMEOUT_MS = 60_000;
const SERVER_STOP_TIMEOUT_MS = 10_000;
const MAX_COMMAND_OUTPUT_BYTES = 64 * 1024 * 1024;
const MAX_SERVER_LOG_CHARS = 64 * 1024;

interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

interface FileDigests {
  size: number;
  md5: string;
  sha512: string;
}

/** One image that the test uploads, filled in by beforeAll and the create test. */
interface TestImage {
  diskFormat: 'iso' | 'qcow2';
  name: string;
  filePath: string;
  digests: FileDigests;
  id: string;
}

/** A row of `openstack image list -f json`. */
interface ImageListRow {
  ID: string;
  Name: string | null;
  Status: string;
}

/** A row of `openstack image member list -f json`. */
interface MemberListRow {
  'Image ID': string;
  'Member ID': string;
  Status: string;
}

type ShownImage = Record<string, unknown> & { properties?: Record<string, unknown> };

const RUN_ID = randomBytes(4).toString('hex');
const MEMBER_PROJECT_ID = randomBytes(16).toString('hex');
const TAG = 'e2e-tag';

const IMAGES: TestImage[] = [
  { diskFormat: 'iso', name: `e2e-iso-${RUN_ID}`, filePath: '', digests: emptyDigests(), id: '' },
  { diskFormat: 'qcow2', name: `e2e-qcow2-${RUN_ID}`, filePath: '', digests: emptyDigests(), id: '' },
];
const [ISO_IMAGE, QCOW2_IMAGE] = IMAGES;

let endpoint = '';
let server: ChildProcess | undefined;
/** HTTP server on 127.0.0.1 that serves the qcow2 file to web-download imports. */
let origin: HttpServer | undefined;
let originUrl = '';
let serverLog = '';
let workDir = '';
let cliEnvironment: NodeJS.ProcessEnv = {};
const deletedImageIds = new Set<string>();

function emptyDigests(): FileDigests {
  return { size: 0, md5: '', sha512: '' };
}

/**
 * Runs a command and returns its exit code and output. It throws only when the
 * command cannot be started, not for a non-zero exit code.
 */
async function runCommand(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = cliEnvironment,
): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, {
      env,
      maxBuffer: MAX_COMMAND_OUTPUT_BYTES,
    });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failure.code !== 'number') {
      throw new Error(`Failed to run ${file}: ${failure.message}`);
    }
    return { exitCode: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

/** Runs a command and throws, with its arguments and stderr, unless it exits with 0. */
async function runCommandOrThrow(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const result = await runCommand(file, args, env);
  if (result.exitCode !== 0) {
    throw new Error(
      `${file} ${args.join(' ')} failed with exit code ${result.exitCode}:\n${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}

/** Flags that make the openstack CLI talk to the endpoint directly, without Keystone. */
function openstackArgs(args: string[]): string[] {
  return ['--os-auth-type', 'none', '--os-endpoint', endpoint, '--os-image-api-version', '2', ...args];
}

function openstack(args: string[]): Promise<CommandResult> {
  return runCommand('openstack', openstackArgs(args));
}

async function openstackJson<T>(args: string[]): Promise<T> {
  const stdout = await runCommandOrThrow('openstack', openstackArgs([...args, '-f', 'json']));
  return JSON.parse(stdout) as T;
}

/**
 * Runs the glance CLI with a fresh, empty HOME. glanceclient 4.1 caches the image
 * schema in ~/.glanceclient and fails on later runs that find the cache.
 */
async function glance(args: string[]): Promise<CommandResult> {
  const home = await mkdtemp(path.join(workDir, 'glance-home-'));
  try {
    const env = { ...cliEnvironment, HOME: home };
    // glanceclient reads image data from any standard input that is not a
    // terminal, and then refuses web-download, so bash closes it first.
    const glanceArgs = ['--os-image-url', endpoint, '--os-auth-token', 'x', ...args];
    return await runCommand('bash', ['-c', 'exec glance "$@" <&-', 'glance', ...glanceArgs], env);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/**
 * Returns an image field from `openstack image show -f json`. openstackclient 6.0
 * prints fields that it does not know, such as os_hash_algo, os_hash_value and
 * custom properties, under "properties" and not at the top level.
 */
function imageField(image: ShownImage, key: string): unknown {
  if (key in image) {
    return image[key];
  }
  return image.properties?.[key];
}

function requireImageId(image: TestImage): string {
  if (!image.id) {
    throw new Error(`No id for ${image.name}: the image create test failed earlier.`);
  }
  return image.id;
}

async function computeDigests(filePath: string): Promise<FileDigests> {
  const md5 = createHash('md5');
  const sha512 = createHash('sha512');
  let size = 0;
  for await (const chunk of createReadStream(filePath)) {
    const buffer = chunk as Buffer;
    md5.update(buffer);
    sha512.update(buffer);
    size += buffer.length;
  }
  return { size, md5: md5.digest('hex'), sha512: sha512.digest('hex') };
}

/** Runs fetch-test-image.sh and returns the paths of the cached ISO and qcow2 files. */
async function fetchTestImages(): Promise<{ iso: string; qcow2: string }> {
  const result = await runCommand('bash', [FETCH_IMAGE_SCRIPT, IMAGE_CACHE_DIR], process.env);
  if (result.exitCode !== 0) {
    throw new Error(`Preparing the test disk images failed (exit code ${result.exitCode}):\n${result.stderr}`);
  }
  const paths = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const separator = line.indexOf('=');
    if (separator > 0) {
      paths.set(line.slice(0, separator), line.slice(separator + 1));
    }
  }
  const iso = paths.get('iso');
  const qcow2 = paths.get('qcow2');
  if (!iso || !qcow2) {
    throw new Error(`fetch-test-image.sh printed no iso= and qcow2= lines. Its output:\n${result.stdout}`);
  }
  return { iso, qcow2 };
}

async function findFreePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (address === null || typeof address === 'string') {
    throw new Error(`Unexpected address for a TCP server: ${String(address)}`);
  }
  return address.port;
}

function appendServerLog(chunk: Buffer): void {
  serverLog = (serverLog + chunk.toString('utf8')).slice(-MAX_SERVER_LOG_CHARS);
}

/** Polls GET /versions until it returns 200, the child exits, or the timeout passes. */
async function waitForServerReady(child: ChildProcess, baseUrl: string): Promise<void> {
  const deadline = Date.now() + SERVER_READY_TIMEOUT_MS;
  let lastError = 'no response yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `The server exited before it was ready (exit code ${child.exitCode}, signal ${child.signalCode}). Its output:\n${serverLog}`,
      );
    }
    try {
      const response = await fetch(`${baseUrl}/versions`);
      await response.arrayBuffer();
      if (response.status === 200) {
        return;
      }
      lastError = `GET /versions returned ${response.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `The server at ${baseUrl} was not ready after ${SERVER_READY_TIMEOUT_MS} ms (${lastError}). Its output:\n${serverLog}`,
  );
}

function buildServerEnvironment(port: number, dataDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    IRIS_HOST: '127.0.0.1',
    IRIS_PORT: String(port),
    IRIS_DATA_DIR: dataDir,
    IRIS_AUTH: 'noauth',
    IRIS_LOG_LEVEL: process.env.IRIS_LOG_LEVEL ?? 'info',
    // IRIS_DATABASE_URL from the environment, for example a MariaDB URL, takes precedence.
    IRIS_DATABASE_URL: process.env.IRIS_DATABASE_URL ?? `sqlite://${path.join(workDir, 'iris.db')}`,
    // web-download may fetch from the test's own server on loopback.
    IRIS_IMPORT_ALLOWED_HOSTS: '127.0.0.1',
    IRIS_IMPORT_ALLOWED_PORTS: new URL(originUrl).port,
  };
}

/** Starts the HTTP server that serves the qcow2 test image at /disk.qcow2. */
async function startOrigin(): Promise<void> {
  const httpServer = createHttpServer((req, res) => {
    if (req.url !== '/disk.qcow2') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    createReadStream(QCOW2_IMAGE.filePath).pipe(res);
  });
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  origin = httpServer;
  originUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/disk.qcow2`;
}

/** Starts packages/app/dist/main.js on a free port and returns its base URL once it is ready. */
async function startServer(): Promise<string> {
  if (!existsSync(SERVER_ENTRY_POINT)) {
    throw new Error(
      `${SERVER_ENTRY_POINT} not found. Run 'npm run build' first, or set E2E_ENDPOINT to the URL of a running server.`,
    );
  }

  const port = await findFreePort();
  const dataDir = path.join(workDir, 'server-data');
  await mkdir(dataDir);

  // NOTE: findFreePort closes its socket before the server binds, so another
  // process could take the port in between. The server then fails to start and
  // waitForServerReady reports its output.
  const child = spawn(process.execPath, [SERVER_ENTRY_POINT], {
    cwd: REPO_ROOT,
    env: buildServerEnvironment(port, dataDir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  child.stdout?.on('data', appendServerLog);
  child.stderr?.on('data', appendServerLog);

  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForServerReady(child, baseUrl);
  return baseUrl;
}

async function stopServer(): Promise<void> {
  const child = server;
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Returns the environment for the CLIs: no OS_* variables and a HOME without clouds.yaml. */
function buildCliEnvironment(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OS_')) {
      env[key] = value;
    }
  }
  env.HOME = home;
  return env;
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'iris-e2e-'));
  const cliHome = path.join(workDir, 'cli-home');
  await mkdir(cliHome);
  cliEnvironment = buildCliEnvironment(cliHome);

  const files = await fetchTestImages();
  ISO_IMAGE.filePath = files.iso;
  QCOW2_IMAGE.filePath = files.qcow2;
  for (const image of IMAGES) {
    image.digests = await computeDigests(image.filePath);
  }

  await startOrigin();
  const configuredEndpoint = process.env.E2E_ENDPOINT;
  endpoint = configuredEndpoint ? configuredEndpoint.replace(/\/+$/, '') : await startServer();
});

afterAll(async () => {
  try {
    // Delete what a failed run left behind, so that a shared server stays clean.
    for (const image of IMAGES) {
      if (image.id && !deletedImageIds.has(image.id) && endpoint) {
        await openstack(['image', 'delete', image.id]);
      }
    }
  } finally {
    await stopServer();
    origin?.closeAllConnections();
    origin?.close();
    if (workDir) {
      await rm(workDir, { recursive: true, force: true });
    }
  }
});

describe('openstack CLI', () => {
  test.each(IMAGES)('image create uploads $diskFormat file', async (image) => {
    const created = await openstackJson<ShownImage>([
      'image',
      'create',
      '--disk-format',
      image.diskFormat,
      '--container-format',
      'bare',
      '--file',
      image.filePath,
      image.name,
    ]);

    expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    image.id = String(created.id);
    expect(created.name).toBe(image.name);
    expect(created.disk_format).toBe(image.diskFormat);
    expect(created.container_format).toBe('bare');
    expect(created.visibility).toBe('shared');
    // openstacksdk 0.101 (Debian 12) prints the response to POST /v2/images, which
    // the server sends before the upload, so the status here is queued. The image
    // show test checks the status after the upload.
    expect(created.status).toBe('queued');
  });

  test('image list includes both images', async () => {
    const rows = await openstackJson<ImageListRow[]>(['image', 'list']);

    for (const image of IMAGES) {
      const row = rows.find((candidate) => candidate.ID === requireImageId(image));
      expect(row).toBeDefined();
      expect(row?.Name).toBe(image.name);
      expect(row?.Status).toBe('active');
    }
  });

  test.each(IMAGES)('image show reports $diskFormat metadata', async (image) => {
    const shown = await openstackJson<ShownImage>(['image', 'show', requireImageId(image)]);

    expect(shown.id).toBe(image.id);
    expect(shown.name).toBe(image.name);
    expect(shown.status).toBe('active');
    expect(shown.size).toBe(image.digests.size);
    expect(shown.disk_format).toBe(image.diskFormat);
    expect(shown.container_format).toBe('bare');
    expect(shown.visibility).toBe('shared');
    expect(shown.checksum).toBe(image.digests.md5);
    expect(imageField(shown, 'os_hash_algo')).toBe('sha512');
    expect(imageField(shown, 'os_hash_value')).toBe(image.digests.sha512);
  });

  test('image show reports qcow2 virtual size', async () => {
    const info = JSON.parse(
      await runCommandOrThrow('qemu-img', ['info', '--output', 'json', QCOW2_IMAGE.filePath], process.env),
    ) as { 'virtual-size': number };

    const shown = await openstackJson<ShownImage>(['image', 'show', requireImageId(QCOW2_IMAGE)]);

    // Glance 25.1 sets virtual_size from the qcow2 header during the upload.
    expect(imageField(shown, 'virtual_size')).toBe(info['virtual-size']);
  });

  test.each(IMAGES)('image save downloads identical $diskFormat bytes', async (image) => {
    const outputPath = path.join(workDir, `saved-${image.diskFormat}`);

    const result = await openstack(['image', 'save', '--file', outputPath, requireImageId(image)]);

    // toMatchObject prints the whole result, stderr included, when the exit code differs.
    expect(result).toMatchObject({ exitCode: 0 });
    const saved = await computeDigests(outputPath);
    expect(saved.size).toBe(image.digests.size);
    expect(saved.md5).toBe(image.digests.md5);
    expect(saved.sha512).toBe(image.digests.sha512);
    await rm(outputPath, { force: true });
  });

  test('image set adds property and tag', async () => {
    const imageId = requireImageId(ISO_IMAGE);

    const result = await openstack(['image', 'set', '--property', 'os_distro=debian', '--tag', TAG, imageId]);

    expect(result).toMatchObject({ exitCode: 0 });
    const shown = await openstackJson<ShownImage>(['image', 'show', imageId]);
    expect(imageField(shown, 'os_distro')).toBe('debian');
    expect(shown.tags).toEqual([TAG]);
  });

  test('image unset removes property and tag', async () => {
    const imageId = requireImageId(ISO_IMAGE);

    const result = await openstack(['image', 'unset', '--property', 'os_distro', '--tag', TAG, imageId]);

    expect(result).toMatchObject({ exitCode: 0 });
    const shown = await openstackJson<ShownImage>(['image', 'show', imageId]);
    expect(imageField(shown, 'os_distro')).toBeUndefined();
    expect(shown.tags).toEqual([]);
  });

  test('image member list shows pending member', async () => {
    const imageId = requireImageId(ISO_IMAGE);

    // glanceclient prints a table, not JSON: | Image ID | Member ID | Status |.
    const created = await glance(['member-create', imageId, MEMBER_PROJECT_ID]);

    expect(created).toMatchObject({ exitCode: 0 });
    expect(created.stdout).toContain(MEMBER_PROJECT_ID);
    expect(created.stdout).toContain('pending');
    const rows = await openstackJson<MemberListRow[]>(['image', 'member', 'list', imageId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]['Image ID']).toBe(imageId);
    expect(rows[0]['Member ID']).toBe(MEMBER_PROJECT_ID);
    expect(rows[0].Status).toBe('pending');
  });

  test.each(IMAGES)('image delete removes $diskFormat image', async (image) => {
    const imageId = requireImageId(image);

    const result = await openstack(['image', 'delete', imageId]);

    expect(result).toMatchObject({ exitCode: 0 });
    deletedImageIds.add(imageId);
  });

  test('image list omits deleted images', async () => {
    const rows = await openstackJson<ImageListRow[]>(['image', 'list']);
    const listedIds = rows.map((row) => row.ID);

    for (const image of IMAGES) {
      expect(listedIds).not.toContain(requireImageId(image));
    }
  });

  test.each(IMAGES)('image show fails for deleted $diskFormat image', async (image) => {
    const imageId = requireImageId(image);

    // openstackclient looks the argument up as an id (GET returns 404), then as a
    // name, then among hidden images, and exits with 1 when nothing matches.
    const result = await openstack(['image', 'show', imageId, '-f', 'json']);

    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(`No Image found for ${imageId}`);
  });
});

/** Polls `openstack image show` until the image is active or queued again. */
async function waitForImport(imageId: string): Promise<ShownImage> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const shown = await openstackJson<ShownImage>(['image', 'show', imageId]);
    if (shown.status === 'active' || shown.status === 'queued') return shown;
    if (Date.now() > deadline) throw new Error(`Image ${imageId} is still ${String(shown.status)} after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Extracts the image id from a glanceclient table, the row `| id | <uuid> |`. */
function idFromGlanceTable(stdout: string): string {
  const match = /\|\s*id\s*\|\s*([0-9a-f-]{36})\s*\|/.exec(stdout);
  if (match === null) throw new Error(`No image id in the glance output:\n${stdout}`);
  return match[1];
}

describe('image import with the CLIs', () => {
  const importedIds: string[] = [];
  // The web-download URL and the task listing need a server that this test
  // configured, so they do not run against E2E_ENDPOINT.
  const ownServer = process.env.E2E_ENDPOINT === undefined ? test : test.skip;

  afterAll(async () => {
    for (const id of importedIds) await openstack(['image', 'delete', id]);
  });

  test('image create --import stages and imports qcow2', async () => {
    const name = `e2e-import-${RUN_ID}`;

    const created = await openstackJson<ShownImage>([
      'image', 'create', '--import', '--disk-format', 'qcow2', '--container-format', 'bare',
      '--file', QCOW2_IMAGE.filePath, name,
    ]);

    importedIds.push(String(created.id));
    const shown = await waitForImport(String(created.id));
    expect(shown.status).toBe('active');
    expect(shown.size).toBe(QCOW2_IMAGE.digests.size);
    expect(shown.checksum).toBe(QCOW2_IMAGE.digests.md5);
  });

  ownServer('glance image-create-via-import downloads from URL', async () => {
    const result = await glance([
      'image-create-via-import', '--disk-format', 'qcow2', '--container-format', 'bare',
      '--name', `e2e-web-${RUN_ID}`, '--import-method', 'web-download', '--uri', originUrl,
    ]);

    expect(result).toMatchObject({ exitCode: 0 });
    const id = idFromGlanceTable(result.stdout);
    importedIds.push(id);
    const shown = await waitForImport(id);
    expect(shown.status).toBe('active');
    expect(shown.checksum).toBe(QCOW2_IMAGE.digests.md5);
    expect(imageField(shown, 'os_hash_value')).toBe(QCOW2_IMAGE.digests.sha512);
  });

  ownServer('glance task-list shows import tasks', async () => {
    const result = await glance(['task-list']);

    expect(result).toMatchObject({ exitCode: 0 });
    // glanceclient prints a table: | ID | Type | Status | Owner |.
    expect(result.stdout).toContain('api_image_import');
    expect(result.stdout).toContain('success');
  });
});
