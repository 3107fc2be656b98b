import {
  AuthStrategy,
  KeystoneTokenValidator,
  keystoneStrategy,
  Logger,
  noauthStrategy,
} from '@iris/adapters-http';
import { Policy, TokenValidator } from '@iris/domain';
import { IrisConfig } from './config';

/** Builds the Keystone token validator from the IRIS_KEYSTONE_* settings. */
export function keystoneValidator(config: IrisConfig, logger: Logger): TokenValidator {
  return new KeystoneTokenValidator(
    {
      url: config.keystoneUrl,
      username: config.keystoneUsername,
      password: config.keystonePassword,
      projectName: config.keystoneProject,
      userDomainName: config.keystoneUserDomain,
      projectDomainName: config.keystoneProjectDomain,
      timeoutMs: config.keystoneTimeoutMs,
      cacheTtlMs: config.tokenCacheTtlMs,
      cacheMaxEntries: config.tokenCacheSize,
    },
    logger.child({ component: 'keystone' }),
  );
}

/**
 * Returns the configured strategy, with is_admin set by the policy's
 * context_is_admin rule, as Glance sets it.
 */
export function selectAuth(
  config: IrisConfig,
  policy: Policy,
  validator: () => TokenValidator,
): AuthStrategy {
  const strategy =
    config.auth === 'keystone' ? keystoneStrategy(validator(), config.keystoneUrl) : noauthStrategy;
  return async (req) => policy.withAdminFlag(await strategy(req));
}
