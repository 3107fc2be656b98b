import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFunction = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

/**
 * Returns a function that runs a young-generation collection, which large
 * uploads call to free the request buffers they have consumed. V8 exposes
 * `gc` only behind --expose-gc, so the flag is set at run time and the
 * function is read from a fresh context, where V8 installs it.
 */
export function minorGarbageCollector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as GcFunction;
  return () => gc({ type: 'minor' });
}
