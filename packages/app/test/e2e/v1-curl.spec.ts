/**
 * End-to-end test that drives the Images API v1 with the curl binary, the
 * way shell scripts written for Glance v1 did. It reserves an image with
 * POST, uploads its data with PUT, reads the metadata with HEAD, downloads
 * the data and compares its MD5.
 *
 * It starts `node packages/app/dist/main.js` (build it first with
 * `npm run build`) on a free port with a fresh data directory and stops it
 * with SIGTERM at the end.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const SERVER_ENTRY_POINT = path.join(REPO_ROOT, 'packages/app/dist/main.js');
const SERVER_READY_TIMEOUT_MS = 60_000;
const SERVER_STOP_TIMEOUT_MS = 10_000;
const MAX_SERVER_LOG_CHARS = 64 * 1024;
/** Over curl's 1 MiB threshold, so curl sends `Expect: 100-continue` as a script's upload would. */
const DATA_SIZE = 5 * 1024 * 1024 + 17;

const PROJECT = `project-${randomBytes(4).toString('hex')}`;
const IDENTITY = [
  '-H',
  `X-Project-Id: ${PROJECT}`,
  '-H',
  'X-User-Id: script-user',
  '-H',
  'X-Roles: member',
];

let endpoint = '';
let server: ChildProcess | undefined;
let serverLog = '';
let workDir = '';
let dataFile = '';
let dataMd5 = '';

interface CurlReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function findFreePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (address === null || typeof address === 'string') {
    throw new Error(`Unexpected address ${String(address)}`);
  }
  return address.port;
}

async function waitForServerReady(
  child: ChildProcess,
  baseUrl: string,
): Promise<void> {
  const deadline = Date.now() + SERVER_READY_TIMEOUT_MS;
  let lastError = 'no response yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `The server exited early (exit code ${child.exitCode}). Its output:\n${serverLog}`,
      );
    }
    try {
      const response = await fetch(`${baseUrl}/versions`);
      await response.arrayBuffer();
      if (response.status === 200) return;
      lastError = `GET /versions returned ${response.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `The server at ${baseUrl} was not ready (${lastError}). Its output:\n${serverLog}`,
  );
}

/**
 * Starts the built server on a free port.
 * NOTE: findFreePort closes its socket before the server binds the port, so
 * another process could take it in between. The server then fails to start,
 * and waitForServerReady reports its output.
 */
async function startServer(): Promise<string> {
  if (!existsSync(SERVER_ENTRY_POINT)) {
    throw new Error(
      `${SERVER_ENTRY_POINT} not found. Run 'npm run build' first.`,
    );
  }
  const port = await findFreePort();
  const dataDir = path.join(workDir, 'server-data');
  await mkdir(dataDir);
  const child = spawn(process.execPath, [SERVER_ENTRY_POINT], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      IRIS_HOST: '127.0.0.1',
      IRIS_PORT: String(port),
      IRIS_DATA_DIR: dataDir,
      IRIS_AUTH: 'noauth',
      IRIS_LOG_LEVEL: 'warn',
      IRIS_DATABASE_URL: `sqlite://${path.join(workDir, 'iris.db')}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  const append = (chunk: Buffer): void => {
    serverLog = (serverLog + chunk.toString('utf8')).slice(
      -MAX_SERVER_LOG_CHARS,
    );
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForServerReady(child, baseUrl);
  return baseUrl;
}

async function stopServer(): Promise<void> {
  const child = server;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Splits the header block that `curl -D` writes; the last block wins after a 100 Continue. */
function parseHeaderBlock(text: string): {
  status: number;
  headers: Record<string, string>;
} {
  const blocks = text.trim().split(/\r?\n\r?\n/);
  const lines = blocks[blocks.length - 1].split(/\r?\n/);
  const status = Number(lines[0].split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      headers[line.slice(0, colon).trim().toLowerCase()] = line
        .slice(colon + 1)
        .trim();
    }
  }
  return { status, headers };
}

/**
 * Runs curl with the given arguments plus `-D` and `-o` files, and returns
 * the status, headers and body. `stdinFile` is piped to curl's standard input.
 */
async function curl(args: string[], stdinFile?: string): Promise<CurlReply> {
  const stamp = randomBytes(4).toString('hex');
  const headerFile = path.join(workDir, `headers-${stamp}`);
  const bodyFile = path.join(workDir, `body-${stamp}`);
  const fullArgs = ['-sS', '-D', headerFile, '-o', bodyFile, ...args];

  if (stdinFile === undefined) {
    await execFileAsync('curl', fullArgs);
  } else {
    const child = spawn('curl', fullArgs, {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    createReadStream(stdinFile).pipe(child.stdin);
    const [code] = (await once(child, 'exit')) as [number];
    if (code !== 0) {
      throw new Error(`curl ${fullArgs.join(' ')} exited with ${code}`);
    }
  }
  const { status, headers } = parseHeaderBlock(
    await readFile(headerFile, 'utf8'),
  );
  const body = existsSync(bodyFile) ? await readFile(bodyFile, 'utf8') : '';
  return { status, headers, body };
}

async function md5OfFile(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'iris-v1-curl-'));
  dataFile = path.join(workDir, 'disk.raw');
  await writeFile(dataFile, randomBytes(DATA_SIZE));
  dataMd5 = await md5OfFile(dataFile);
  endpoint = await startServer();
});

afterAll(async () => {
  await stopServer();
  if (workDir !== '') await rm(workDir, { recursive: true, force: true });
});

describe('Images API v1 with curl', () => {
  let imageId = '';

  it('reserves an image with POST', async () => {
    const reply = await curl([
      ...IDENTITY,
      '-X',
      'POST',
      '-H',
      'x-image-meta-name: curl-disk',
      '-H',
      'x-image-meta-disk_format: raw',
      '-H',
      'x-image-meta-container_format: bare',
      '-H',
      'X-Image-Meta-Property-OS-Distro: debian',
      `${endpoint}/v1/images`,
    ]);

    expect(reply.status).toBe(201);
    const image = JSON.parse(reply.body).image;
    expect(image.status).toBe('queued');
    expect(image.properties).toEqual({ os_distro: 'debian' });
    expect(reply.headers.location).toBe(`${endpoint}/v1/images/${image.id}`);
    imageId = image.id;
  });

  it('uploads the data with PUT', async () => {
    const reply = await curl([
      ...IDENTITY,
      '-H',
      'Content-Type: application/octet-stream',
      '-T',
      dataFile,
      `${endpoint}/v1/images/${imageId}`,
    ]);

    expect(reply.status).toBe(200);
    const image = JSON.parse(reply.body).image;
    expect(image.status).toBe('active');
    expect(image.size).toBe(DATA_SIZE);
    expect(image.checksum).toBe(dataMd5);
    expect(image.properties).toEqual({ os_distro: 'debian' });
    expect(reply.headers.etag).toBe(dataMd5);
  });

  it('reads the metadata with HEAD', async () => {
    const reply = await curl([
      ...IDENTITY,
      '-I',
      `${endpoint}/v1/images/${imageId}`,
    ]);

    expect(reply.status).toBe(200);
    expect(reply.headers['x-image-meta-status']).toBe('active');
    expect(reply.headers['x-image-meta-name']).toBe('curl-disk');
    expect(reply.headers['x-image-meta-size']).toBe(String(DATA_SIZE));
    expect(reply.headers['x-image-meta-checksum']).toBe(dataMd5);
    expect(reply.headers['x-image-meta-property-os_distro']).toBe('debian');
    expect(reply.headers['x-image-meta-owner']).toBe(PROJECT);
    expect(reply.headers.etag).toBe(dataMd5);
  });

  it('downloads the same bytes with GET', async () => {
    const output = path.join(workDir, 'download.raw');

    const { stdout } = await execFileAsync('curl', [
      '-sS',
      ...IDENTITY,
      '-o',
      output,
      '-w',
      '%{http_code} %{content_type} %{size_download}',
      `${endpoint}/v1/images/${imageId}`,
    ]);

    expect(stdout).toBe(`200 application/octet-stream ${DATA_SIZE}`);
    expect(await md5OfFile(output)).toBe(dataMd5);
  });

  it('lists the image in the detail listing', async () => {
    const reply = await curl([
      ...IDENTITY,
      `${endpoint}/v1/images/detail?name=curl-disk`,
    ]);

    expect(reply.status).toBe(200);
    const images = JSON.parse(reply.body).images;
    expect(images.map((image: { id: string }) => image.id)).toEqual([imageId]);
    expect(images[0].checksum).toBe(dataMd5);
  });

  it('uploads from standard input in chunks', async () => {
    const reserved = await curl([
      ...IDENTITY,
      '-X',
      'POST',
      '-H',
      'x-image-meta-disk_format: raw',
      '-H',
      'x-image-meta-container_format: bare',
      `${endpoint}/v1/images`,
    ]);
    const id = JSON.parse(reserved.body).image.id;

    const reply = await curl(
      [
        ...IDENTITY,
        '-H',
        'Content-Type: application/octet-stream',
        '-T',
        '-',
        `${endpoint}/v1/images/${id}`,
      ],
      dataFile,
    );

    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).image.checksum).toBe(dataMd5);
  });

  it('creates an image with its data in one POST', async () => {
    const reply = await curl([
      ...IDENTITY,
      '-H',
      'Content-Type: application/octet-stream',
      '-H',
      'x-image-meta-name: curl-one-shot',
      '-H',
      'x-image-meta-disk_format: raw',
      '-H',
      'x-image-meta-container_format: bare',
      '-H',
      `x-image-meta-checksum: ${dataMd5}`,
      '--data-binary',
      `@${dataFile}`,
      `${endpoint}/v1/images`,
    ]);

    expect(reply.status).toBe(201);
    const image = JSON.parse(reply.body).image;
    expect(image.status).toBe('active');
    expect(image.checksum).toBe(dataMd5);
  });

  it('kills an image whose declared size is wrong', async () => {
    const reply = await curl([
      ...IDENTITY,
      '-H',
      'Content-Type: application/octet-stream',
      '-H',
      'x-image-meta-disk_format: raw',
      '-H',
      'x-image-meta-container_format: bare',
      '-H',
      'x-image-meta-size: 1',
      '--data-binary',
      `@${dataFile}`,
      `${endpoint}/v1/images`,
    ]);
    const listed = await curl([
      ...IDENTITY,
      `${endpoint}/v1/images/detail?status=killed`,
    ]);

    expect(reply.status).toBe(400);
    expect(reply.body).toContain("Setting image status to 'killed'");
    // Listings leave killed images out, as Glance's do.
    expect(JSON.parse(listed.body).images).toEqual([]);
  });

  it('shares the image with another project', async () => {
    const put = await curl([
      ...IDENTITY,
      '-X',
      'PUT',
      `${endpoint}/v1/images/${imageId}/members/project-friend`,
    ]);
    const list = await curl([
      ...IDENTITY,
      `${endpoint}/v1/images/${imageId}/members`,
    ]);

    expect(put.status).toBe(204);
    expect(JSON.parse(list.body)).toEqual({
      members: [{ member_id: 'project-friend', can_share: false }],
    });
  });

  it('deletes the image', async () => {
    const deleted = await curl([
      ...IDENTITY,
      '-X',
      'DELETE',
      `${endpoint}/v1/images/${imageId}`,
    ]);
    const head = await curl([
      ...IDENTITY,
      '-I',
      `${endpoint}/v1/images/${imageId}`,
    ]);

    expect(deleted.status).toBe(200);
    expect(head.status).toBe(404);
  });
});
