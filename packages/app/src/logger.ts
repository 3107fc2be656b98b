import pino from 'pino';
import { Logger } from '@iris/adapters-http';

/** JSON log lines on stdout. */
export function createLogger(level: string): Logger & pino.Logger {
  return pino({
    level,
    base: { service: 'iris' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
