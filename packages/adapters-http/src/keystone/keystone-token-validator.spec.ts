import { ServiceUnavailable, TokenIdentity } from '@iris/domain';
import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, createServer as createTcpServer, Socket } from 'node:net';
import { Logger } from '../logger';
import { KeystoneSettings, KeystoneTokenValidator } from './keystone-token-validator';
import { TokenCache } from './token-cache';

const HOUR_MS = 3_600_000;
const USER_TOKEN = 'gAAAAAB-user-token-secret';

/** A stand-in for Keystone's token API, with counters and switches for the tests. */
class FakeKeystone {
  server!: Server;
  url = '';
  issued = 0;
  validations = 0;
  lastLogin: unknown;
  /** Service tokens that Keystone accepts. */
  readonly serviceTokens = new Set<string>();
  /** Status code of the next validation calls, instead of checking the tokens. */
  forcedStatus: number | null = null;
  serviceExpiresInMs = HOUR_MS;
  loginStatus = 201;
  readonly userTokens = new Map<string, { expiresAt: Date; project: string }>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v3`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    res.setHeader('Content-Type', 'application/json');
    if (req.method === 'POST') return this.login(Buffer.concat(chunks).toString(), res);
    this.validations++;

    const status = this.forcedStatus ?? this.validationStatus(req);
    if (status !== 200) {
      res.writeHead(status).end(JSON.stringify({ error: { code: status } }));
      return;
    }
    const subject = this.userTokens.get(String(req.headers['x-subject-token']));
    res.writeHead(200).end(JSON.stringify(tokenBody(subject!.expiresAt, subject!.project)));
  }

  private validationStatus(req: IncomingMessage): number {
    if (!this.serviceTokens.has(String(req.headers['x-auth-token']))) return 401;
    return this.userTokens.has(String(req.headers['x-subject-token'])) ? 200 : 404;
  }

  private login(body: string, res: ServerResponse): void {
    this.lastLogin = JSON.parse(body);
    if (this.loginStatus !== 201) {
      res.writeHead(this.loginStatus).end('{}');
      return;
    }
    const token = `service-token-${++this.issued}`;
    this.serviceTokens.add(token);
    const expiresAt = new Date(Date.now() + this.serviceExpiresInMs);
    res.setHeader('X-Subject-Token', token);
    res.writeHead(201).end(JSON.stringify(tokenBody(expiresAt, 'service-project')));
  }
}

function tokenBody(expiresAt: Date, project: string): object {
  return {
    token: {
      expires_at: expiresAt.toISOString().replace('Z', '000Z'),
      user: { id: 'user-1', name: 'alice', domain: { id: 'default', name: 'Default' } },
      project: { id: project, name: project, domain: { id: 'default', name: 'Default' } },
      roles: [{ id: 'r1', name: 'Member' }, { id: 'r2', name: 'reader' }],
    },
  };
}

/** Records every log call, to check that no token ever appears. */
function recordingLogger(lines: unknown[]): Logger {
  const logger: Logger = {
    info: (fields, message) => lines.push([fields, message]),
    warn: (fields, message) => lines.push([fields, message]),
    error: (fields, message) => lines.push([fields, message]),
    debug: (fields, message) => lines.push([fields, message]),
    child: () => logger,
  };
  return logger;
}

let keystone: FakeKeystone;
let logLines: unknown[];

function validator(extra: Partial<KeystoneSettings> = {}, now?: () => number): KeystoneTokenValidator {
  const settings: KeystoneSettings = {
    url: keystone.url,
    username: 'iris',
    password: 'service-secret',
    projectName: 'service',
    userDomainName: 'Default',
    projectDomainName: 'Default',
    timeoutMs: 2000,
    cacheTtlMs: 300_000,
    cacheMaxEntries: 100,
    ...extra,
  };
  return new KeystoneTokenValidator(settings, recordingLogger(logLines), now);
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeEach(async () => {
  keystone = new FakeKeystone();
  await keystone.start();
  logLines = [];
  keystone.userTokens.set(USER_TOKEN, { expiresAt: new Date(Date.now() + HOUR_MS), project: 'project-a' });
});

afterEach(async () => {
  await keystone.stop();
});

describe('KeystoneTokenValidator', () => {
  it('returns the identity of a valid token', async () => {
    const identity = await validator().validate(USER_TOKEN);

    expect(identity).toMatchObject({
      userId: 'user-1',
      userDomainId: 'default',
      projectId: 'project-a',
      projectDomainId: 'default',
      roles: ['Member', 'reader'],
    });
    expect(identity?.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('logs in with the service credentials', async () => {
    await validator({ userDomainName: 'users', projectDomainName: 'projects' }).validate(USER_TOKEN);

    expect(keystone.lastLogin).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'iris', password: 'service-secret', domain: { name: 'users' } } },
        },
        scope: { project: { name: 'service', domain: { name: 'projects' } } },
      },
    });
  });

  it('unknown token gives null', async () => {
    expect(await validator().validate('not-a-token')).toBeNull();
  });

  it('expired token gives null', async () => {
    keystone.userTokens.set('old', { expiresAt: new Date(Date.now() - 1000), project: 'p' });
    expect(await validator().validate('old')).toBeNull();
  });

  it('reuses one service token', async () => {
    const subject = validator({ cacheTtlMs: 0 });
    await Promise.all([subject.validate(USER_TOKEN), subject.validate(USER_TOKEN)]);
    await subject.validate(USER_TOKEN);

    expect(keystone.issued).toBe(1);
    expect(keystone.validations).toBe(3);
  });

  it('renews the service token after 401', async () => {
    const subject = validator({ cacheTtlMs: 0 });
    await subject.validate(USER_TOKEN);
    keystone.serviceTokens.clear();

    expect(await subject.validate(USER_TOKEN)).not.toBeNull();
    expect(keystone.issued).toBe(2);
  });

  it('renews an expiring service token', async () => {
    keystone.serviceExpiresInMs = 30_000;
    const subject = validator({ cacheTtlMs: 0 });
    await subject.validate(USER_TOKEN);
    await subject.validate(USER_TOKEN);

    expect(keystone.issued).toBe(2);
  });

  it('repeated 401 is unavailable', async () => {
    keystone.forcedStatus = 401;
    const error = await rejectionOf(validator().validate(USER_TOKEN));

    expect(error).toBeInstanceOf(ServiceUnavailable);
    expect(keystone.issued).toBe(2);
  });

  it('403 is unavailable', async () => {
    keystone.forcedStatus = 403;
    expect(await rejectionOf(validator().validate(USER_TOKEN))).toBeInstanceOf(ServiceUnavailable);
  });

  it('500 is unavailable', async () => {
    keystone.forcedStatus = 500;
    expect(await rejectionOf(validator().validate(USER_TOKEN))).toBeInstanceOf(ServiceUnavailable);
  });

  it('rejected service login is unavailable', async () => {
    keystone.loginStatus = 401;
    const subject = validator();
    expect(await rejectionOf(subject.validate(USER_TOKEN))).toBeInstanceOf(ServiceUnavailable);

    keystone.loginStatus = 201;
    expect(await subject.validate(USER_TOKEN)).not.toBeNull();
  });

  it('closed port is unavailable', async () => {
    const url = keystone.url;
    await keystone.stop();
    const subject = new KeystoneTokenValidator(
      { ...settingsFor(url), timeoutMs: 2000 },
      recordingLogger(logLines),
    );

    expect(await rejectionOf(subject.validate(USER_TOKEN))).toBeInstanceOf(ServiceUnavailable);
    await keystone.start();
  });

  it('silent server times out', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v3`;
    const started = Date.now();

    const subject = new KeystoneTokenValidator({ ...settingsFor(url), timeoutMs: 300 }, recordingLogger(logLines));
    const error = await rejectionOf(subject.validate(USER_TOKEN));

    expect(error).toBeInstanceOf(ServiceUnavailable);
    expect(Date.now() - started).toBeLessThan(2000);
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  it('caches a valid token', async () => {
    const subject = validator();
    await subject.validate(USER_TOKEN);
    await subject.validate(USER_TOKEN);

    expect(keystone.validations).toBe(1);
  });

  it('cache ends with its time to live', async () => {
    let now = Date.now();
    const subject = validator({ cacheTtlMs: 1000 }, () => now);
    await subject.validate(USER_TOKEN);
    now += 999;
    await subject.validate(USER_TOKEN);
    now += 2;
    await subject.validate(USER_TOKEN);

    expect(keystone.validations).toBe(2);
  });

  it('cache ends when the token expires', async () => {
    let now = Date.now();
    keystone.userTokens.set('short', { expiresAt: new Date(now + 5000), project: 'p' });
    const subject = validator({ cacheTtlMs: HOUR_MS }, () => now);
    expect(await subject.validate('short')).not.toBeNull();
    now += 6000;

    expect(await subject.validate('short')).toBeNull();
    expect(keystone.validations).toBe(2);
  });

  it('invalid tokens are not cached', async () => {
    const subject = validator();
    await subject.validate('bad');
    await subject.validate('bad');

    expect(keystone.validations).toBe(2);
  });

  it('never logs a token', async () => {
    const subject = validator({ cacheTtlMs: 0 });
    await subject.validate(USER_TOKEN);
    keystone.serviceTokens.clear();
    await subject.validate(USER_TOKEN);
    keystone.forcedStatus = 403;
    await rejectionOf(subject.validate(USER_TOKEN));

    const logged = JSON.stringify(logLines);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logged).not.toContain(USER_TOKEN);
    expect(logged).not.toContain('service-token-');
    expect(logged).not.toContain('service-secret');
  });
});

function settingsFor(url: string): KeystoneSettings {
  return {
    url,
    username: 'iris',
    password: 'service-secret',
    projectName: 'service',
    userDomainName: 'Default',
    projectDomainName: 'Default',
    timeoutMs: 2000,
    cacheTtlMs: 0,
    cacheMaxEntries: 0,
  };
}

describe('TokenCache', () => {
  const identity = (expiresAt: number): TokenIdentity => ({
    userId: 'u',
    userDomainId: null,
    projectId: 'p',
    projectDomainId: null,
    roles: [],
    expiresAt: new Date(expiresAt),
  });

  it('drops the least recently used entry', () => {
    const cache = new TokenCache(HOUR_MS, 2);
    cache.set('a', identity(HOUR_MS), 0);
    cache.set('b', identity(HOUR_MS), 0);
    cache.get('a', 1);
    cache.set('c', identity(HOUR_MS), 2);

    expect(cache.size).toBe(2);
    expect(cache.get('a', 3)).toBeDefined();
    expect(cache.get('b', 3)).toBeUndefined();
    expect(cache.get('c', 3)).toBeDefined();
  });

  it('zero time to live keeps nothing', () => {
    const cache = new TokenCache(0, 10);
    cache.set('a', identity(HOUR_MS), 0);
    expect(cache.size).toBe(0);
  });

  it('keeps no expired token', () => {
    const cache = new TokenCache(HOUR_MS, 10);
    cache.set('a', identity(10), 20);
    expect(cache.get('a', 21)).toBeUndefined();
  });
});
