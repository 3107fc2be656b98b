import { ServiceUnavailable, TokenIdentity, TokenValidator } from '@iris/domain';
import { Logger } from '../logger';
import { TokenCache } from './token-cache';

export interface KeystoneSettings {
  /** Identity API v3 URL, such as http://127.0.0.1:5000/v3. */
  url: string;
  /** The service user that Iris validates tokens as, with password authentication. */
  username: string;
  password: string;
  /** Project that the service token is scoped to. */
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  /** Limit for each call to Keystone, in milliseconds. */
  timeoutMs: number;
  /** How long a validated token is trusted without asking Keystone again, in milliseconds. 0 disables the cache. */
  cacheTtlMs: number;
  cacheMaxEntries: number;
}

interface ServiceToken {
  id: string;
  expiresAtMs: number;
}

/** A request for a service token, with the token once it has arrived. */
interface PendingServiceToken {
  promise: Promise<ServiceToken>;
  token?: ServiceToken;
}

/** A service token is renewed this long before its expiry time, in milliseconds. */
const SERVICE_TOKEN_MARGIN_MS = 60_000;

type TokenBody = {
  token?: {
    expires_at?: string;
    user?: { id?: string; domain?: { id?: string } };
    project?: { id?: string; domain?: { id?: string } };
    roles?: { name?: string }[];
  };
};

/**
 * Validates tokens with Keystone's Identity API v3 (`GET /v3/auth/tokens`),
 * authenticated by a service token that it obtains with password
 * authentication and renews when it expires or Keystone rejects it.
 * Never logs a token.
 */
export class KeystoneTokenValidator implements TokenValidator {
  private readonly baseUrl: string;
  private readonly cache: TokenCache;
  private serviceToken: PendingServiceToken | null = null;

  constructor(
    private readonly settings: KeystoneSettings,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.baseUrl = settings.url.replace(/\/+$/, '');
    this.cache = new TokenCache(settings.cacheTtlMs, settings.cacheMaxEntries);
  }

  async validate(token: string): Promise<TokenIdentity | null> {
    const cached = this.cache.get(token, this.now());
    if (cached !== undefined) return cached;

    const identity = await this.askKeystone(token, false);
    if (identity !== null) this.cache.set(token, identity, this.now());
    return identity;
  }

  private async askKeystone(token: string, renewed: boolean): Promise<TokenIdentity | null> {
    const service = await this.currentServiceToken();
    const response = await this.call('GET', '/auth/tokens?nocatalog', {
      'X-Auth-Token': service.id,
      'X-Subject-Token': token,
    });
    if (response.status === 200) return this.identityOf(await readBody(response));
    await response.body?.cancel();
    // Keystone returns 404 for a token that is unknown, expired or revoked.
    if (response.status === 404 || response.status === 400) return null;
    if (response.status === 401 && !renewed) {
      const message = 'Keystone rejected the service token, so a new one is obtained';
      this.logger.info({ keystone_status: 401 }, message);
      this.dropServiceToken(service);
      return this.askKeystone(token, true);
    }
    const refused = response.status === 401 || response.status === 403;
    this.logger.error(
      { keystone_status: response.status, keystone_user: this.settings.username },
      refused
        ? 'Keystone rejected the token validation request: give the service user the service or admin role'
        : 'Keystone failed to validate a token',
    );
    throw unavailable();
  }

  private identityOf(body: TokenBody): TokenIdentity | null {
    const token = body.token;
    const expiresAtMs = Date.parse(token?.expires_at ?? '');
    const userId = token?.user?.id;
    if (userId === undefined || Number.isNaN(expiresAtMs)) {
      this.logger.error({}, 'Keystone returned an invalid token body: user id or expires_at missing');
      throw unavailable();
    }
    if (expiresAtMs <= this.now()) return null;
    return {
      userId,
      userDomainId: token?.user?.domain?.id ?? null,
      projectId: token?.project?.id ?? null,
      projectDomainId: token?.project?.domain?.id ?? null,
      roles: (token?.roles ?? []).flatMap((role) => (typeof role.name === 'string' ? [role.name] : [])),
      expiresAt: new Date(expiresAtMs),
    };
  }

  /** Returns the service token, obtaining it first when there is none or it is about to expire. */
  private async currentServiceToken(): Promise<ServiceToken> {
    const pending = this.serviceToken;
    if (pending !== null) {
      const token = await pending.promise;
      if (token.expiresAtMs - SERVICE_TOKEN_MARGIN_MS > this.now()) return token;
      if (this.serviceToken === pending) this.serviceToken = null;
      // Another request may have started renewing it meanwhile.
      if (this.serviceToken !== null) return this.currentServiceToken();
    }

    const holder: PendingServiceToken = { promise: this.obtainServiceToken() };
    this.serviceToken = holder;
    holder.promise.then(
      (token) => {
        holder.token = token;
      },
      () => {
        if (this.serviceToken === holder) this.serviceToken = null;
      },
    );
    return holder.promise;
  }

  private dropServiceToken(token: ServiceToken): void {
    if (this.serviceToken?.token === token) this.serviceToken = null;
  }

  private async obtainServiceToken(): Promise<ServiceToken> {
    const { username, password, userDomainName, projectName, projectDomainName } = this.settings;
    const body = {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: username, password, domain: { name: userDomainName } } },
        },
        scope: { project: { name: projectName, domain: { name: projectDomainName } } },
      },
    };
    const headers = { 'Content-Type': 'application/json' };
    const response = await this.call('POST', '/auth/tokens?nocatalog', headers, body);
    const id = response.headers.get('x-subject-token');
    const parsed = response.status === 201 ? await readBody(response) : undefined;
    if (response.status !== 201) await response.body?.cancel();
    const expiresAtMs = Date.parse(parsed?.token?.expires_at ?? '');
    if (id === null || Number.isNaN(expiresAtMs)) {
      this.logger.error(
        { keystone_status: response.status, keystone_user: username, keystone_project: projectName },
        'Keystone did not issue a service token: check IRIS_KEYSTONE_USERNAME, ' +
          'IRIS_KEYSTONE_PASSWORD and IRIS_KEYSTONE_PROJECT',
      );
      throw unavailable();
    }
    const expiresAt = new Date(expiresAtMs).toISOString();
    this.logger.info({ keystone_user: username, expires_at: expiresAt }, 'obtained a Keystone service token');
    return { id, expiresAtMs };
  }

  private async call(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { Accept: 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      const name = (error as Error).name;
      this.logger.error(
        { keystone_url: this.baseUrl, err_name: name, err_code: code, timeout_ms: this.settings.timeoutMs },
        'Keystone request failed or timed out: check IRIS_KEYSTONE_URL and that Keystone is running',
      );
      throw unavailable();
    }
  }
}

/** Reads a JSON body; a body that cannot be read or parsed gives an empty one. */
async function readBody(response: Response): Promise<TokenBody> {
  try {
    return (await response.json()) as TokenBody;
  } catch {
    return {};
  }
}

function unavailable(): ServiceUnavailable {
  return new ServiceUnavailable('identity_service_unavailable');
}
