/**
 * Access to the test Keystone that scripts/keystone-up.sh starts: its URL
 * comes from IRIS_TEST_KEYSTONE_URL, and the users and projects are the ones
 * that script creates. Without the URL the Keystone tests are skipped, except
 * under CI=true, where they fail.
 */
import { once } from 'node:events';
import { AddressInfo, createServer, connect, Server, Socket } from 'node:net';

export const KEYSTONE_URL = (process.env.IRIS_TEST_KEYSTONE_URL ?? '').replace(/\/+$/, '');
/** Password of every user that scripts/keystone-up.sh creates. */
export const KEYSTONE_PASSWORD = process.env.IRIS_TEST_KEYSTONE_PASSWORD ?? 'iris-keystone-test-secret';

/** Settings of an Iris server that validates tokens with the test Keystone as user iris. */
export function keystoneServerSettings(keystoneUrl = KEYSTONE_URL): Record<string, string> {
  return {
    IRIS_AUTH: 'keystone',
    IRIS_KEYSTONE_URL: keystoneUrl,
    IRIS_KEYSTONE_USERNAME: 'iris',
    IRIS_KEYSTONE_PASSWORD: KEYSTONE_PASSWORD,
    IRIS_KEYSTONE_PROJECT: 'service',
    IRIS_KEYSTONE_TIMEOUT_MS: '3000',
  };
}

/**
 * Runs the suite when the test Keystone is configured. Without it, the suite
 * is skipped, or under CI=true replaced by one failing test.
 */
export function describeWithKeystone(name: string, suite: () => void): void {
  if (KEYSTONE_URL !== '') {
    describe(name, suite);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has a Keystone to test against', () => {
        throw new Error('IRIS_TEST_KEYSTONE_URL is not set: start scripts/keystone-up.sh and export its URL');
      });
    });
  } else {
    describe.skip(`${name} (set IRIS_TEST_KEYSTONE_URL to run)`, suite);
  }
}

export interface IssuedToken {
  token: string;
  userId: string;
  projectId: string;
}

/** Obtains a project-scoped token with password authentication (domain Default). */
export async function issueToken(user: string, project: string): Promise<IssuedToken> {
  const body = {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: user, domain: { name: 'Default' }, password: KEYSTONE_PASSWORD } },
      },
      scope: { project: { name: project, domain: { name: 'Default' } } },
    },
  };
  const res = await fetch(`${KEYSTONE_URL}/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || token === null) {
    throw new Error(`Keystone refused a token for ${user} in ${project}: ${res.status} ${text}`);
  }
  const parsed = JSON.parse(text) as { token: { user: { id: string }; project: { id: string } } };
  return { token, userId: parsed.token.user.id, projectId: parsed.token.project.id };
}

/** Revokes a token, as `openstack token revoke` does; a user may revoke its own token. */
export async function revokeToken(token: string): Promise<void> {
  const res = await fetch(`${KEYSTONE_URL}/auth/tokens`, {
    method: 'DELETE',
    headers: { 'X-Auth-Token': token, 'X-Subject-Token': token },
  });
  await res.arrayBuffer();
  if (res.status !== 204) throw new Error(`Keystone did not revoke the token: ${res.status}`);
}

/** Calls the Identity API with a token and returns the parsed body (null when empty). */
export async function identityCall(token: string, method: string, path: string, json?: unknown): Promise<any> {
  const res = await fetch(`${KEYSTONE_URL}${path}`, {
    method,
    headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} returned ${res.status}: ${text}`);
  return text === '' ? null : JSON.parse(text);
}

/**
 * A TCP relay on loopback to the test Keystone. Closing it makes Keystone
 * unreachable through the relay without stopping Keystone itself, which
 * other test files use at the same time.
 */
export class KeystoneRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  url = '';

  async start(): Promise<void> {
    const target = new URL(KEYSTONE_URL);
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${target.pathname}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    if (server?.listening === true) await new Promise((resolve) => server.close(resolve));
  }
}
