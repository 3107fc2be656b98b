/**
 * The openstack CLI against Iris with real Keystone authentication: the CLI
 * logs in to the test Keystone with a user's password, finds Iris through
 * the 'image' endpoint of Keystone's catalog, and Iris validates the token
 * with Keystone. Needs IRIS_TEST_KEYSTONE_URL (see keystone-fixture.ts).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiClient, startTestServer, TestServer } from '../http/helpers';
import {
  describeWithKeystone,
  identityCall,
  IssuedToken,
  issueToken,
  KEYSTONE_PASSWORD,
  KEYSTONE_URL,
  keystoneServerSettings,
} from '../keystone/keystone-fixture';

const execFileAsync = promisify(execFile);

const REPO_ROOT = path.resolve(__dirname, '../../../..');
/** Makes the CLI's Python resolve only loopback hosts. */
const NETGUARD_DIR = path.join(REPO_ROOT, 'scripts/keystone/pyshim');
const REGION = 'RegionOne';
const RUN_ID = randomBytes(4).toString('hex');

interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

interface ImageRow {
  ID: string;
  Name: string;
}

let workDir = '';
let server: TestServer;
let admin: IssuedToken;
let endpointIds: string[] = [];

/** Builds the environment of the CLI: none of the caller's OS_* or proxy settings, and an empty HOME. */
function cliEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OS_') && !/^(https?|all|no)_proxy$/i.test(key)) env[key] = value;
  }
  env.HOME = workDir;
  env.PYTHONPATH = NETGUARD_DIR;
  env.no_proxy = '127.0.0.1,localhost';
  return env;
}

/** Runs `openstack` as a user of a project, authenticated by Keystone with a password. */
async function openstackAs(user: string, project: string, args: string[]): Promise<CliResult> {
  const auth = [
    '--os-auth-url', KEYSTONE_URL,
    '--os-identity-api-version', '3',
    '--os-username', user,
    '--os-password', KEYSTONE_PASSWORD,
    '--os-project-name', project,
    '--os-user-domain-name', 'Default',
    '--os-project-domain-name', 'Default',
    '--os-region-name', REGION,
    '--os-interface', 'public',
    '--os-image-api-version', '2',
  ];
  try {
    const { stdout, stderr } = await execFileAsync('openstack', [...auth, ...args], {
      env: cliEnvironment(),
      maxBuffer: 16 * 1024 * 1024,
    });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof failure.code !== 'number') throw new Error(`Failed to run openstack: ${failure.message}`);
    return { exitCode: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

async function openstackJson<T>(user: string, project: string, args: string[]): Promise<T> {
  const result = await openstackAs(user, project, [...args, '-f', 'json']);
  if (result.exitCode !== 0) {
    throw new Error(`openstack ${args.join(' ')} failed (${result.exitCode}):\n${result.stderr}${result.stdout}`);
  }
  return JSON.parse(result.stdout) as T;
}

/**
 * Points the catalog's image service at this test's Iris, removing image
 * endpoints that an earlier run left behind, so that the CLI finds only it.
 */
async function registerImageEndpoint(url: string): Promise<void> {
  const services = await identityCall(admin.token, 'GET', '/services?type=image');
  let serviceId: string | undefined = services.services[0]?.id;
  if (serviceId === undefined) {
    const created = await identityCall(admin.token, 'POST', '/services', {
      service: { type: 'image', name: 'iris', description: 'Iris for the tests' },
    });
    serviceId = created.service.id as string;
  }
  const stale = await identityCall(admin.token, 'GET', `/endpoints?service_id=${serviceId}`);
  for (const endpoint of stale.endpoints as { id: string }[]) {
    await identityCall(admin.token, 'DELETE', `/endpoints/${endpoint.id}`);
  }
  for (const endpointInterface of ['public', 'internal']) {
    const created = await identityCall(admin.token, 'POST', '/endpoints', {
      endpoint: { service_id: serviceId, interface: endpointInterface, region_id: REGION, url },
    });
    endpointIds.push(created.endpoint.id as string);
  }
}

describeWithKeystone('openstack CLI with Keystone', () => {
  const names = { alpha: `cli-alpha-${RUN_ID}`, betaPrivate: `beta-private-${RUN_ID}`, betaShared: `beta-shared-${RUN_ID}` };
  const ids = { betaPrivate: '', betaShared: '', publicImage: '' };
  let dataFile = '';

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'iris-cli-keystone-'));
    dataFile = path.join(workDir, 'disk.raw');
    await writeFile(dataFile, randomBytes(4096));
    let beta: IssuedToken;
    [admin, beta] = await Promise.all([issueToken('admin', 'admin'), issueToken('beta-member', 'iris-beta')]);

    server = await startTestServer(keystoneServerSettings());
    await registerImageEndpoint(server.url);

    // Images of another project, created before the CLI runs.
    const betaClient = new ApiClient(server.url, { 'X-Auth-Token': beta.token });
    ids.betaPrivate = (await betaClient.createImage({ name: names.betaPrivate, visibility: 'private' })).id;
    ids.betaShared = (await betaClient.createImage({ name: names.betaShared })).id;
    const adminClient = new ApiClient(server.url, { 'X-Auth-Token': admin.token });
    ids.publicImage = (await adminClient.createImage({ name: `public-${RUN_ID}`, visibility: 'public' })).id;
  });

  afterAll(async () => {
    for (const id of endpointIds) await identityCall(admin.token, 'DELETE', `/endpoints/${id}`).catch(() => undefined);
    endpointIds = [];
    await server?.close();
    if (workDir !== '') await rm(workDir, { recursive: true, force: true });
  });

  it('member creates an image', async () => {
    const created = await openstackJson<Record<string, unknown>>('alpha-member', 'iris-alpha', [
      'image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--file', dataFile, names.alpha,
    ]);

    expect(created.name).toBe(names.alpha);
  });

  it('member lists only what it may see', async () => {
    const rows = await openstackJson<ImageRow[]>('alpha-member', 'iris-alpha', ['image', 'list']);
    const listed = rows.map((row) => row.Name);

    expect(listed).toContain(names.alpha);
    expect(listed).toContain(`public-${RUN_ID}`);
    expect(listed).not.toContain(names.betaPrivate);
    expect(listed).not.toContain(names.betaShared);
  });

  it('other project image is not found', async () => {
    const result = await openstackAs('alpha-member', 'iris-alpha', ['image', 'show', ids.betaPrivate]);

    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(`No Image found for ${ids.betaPrivate}`);
  });

  it('owner project lists its own images', async () => {
    const rows = await openstackJson<ImageRow[]>('beta-member', 'iris-beta', ['image', 'list']);
    const listed = rows.map((row) => row.Name);

    expect(listed).toEqual(expect.arrayContaining([names.betaPrivate, names.betaShared]));
    expect(listed).not.toContain(names.alpha);
  });
});
