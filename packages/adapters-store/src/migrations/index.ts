import { InitialSchema1764800000000 } from './1764800000000-initial-schema';
import { AddMemberCanShare1796365204176 } from './1796365204176-add-member-can-share';

/** Every migration, oldest first. */
export const MIGRATIONS = [InitialSchema1764800000000, AddMemberCanShare1796365204176];
