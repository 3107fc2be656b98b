import { InitialSchema1764800000000 } from './1764800000000-initial-schema';

/** Every migration, oldest first. */
export const MIGRATIONS = [InitialSchema1764800000000];
