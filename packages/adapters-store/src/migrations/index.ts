import { InitialSchema1764800000000 } from './1764800000000-initial-schema';
import { AddMemberCanShare1796365204176 } from './1796365204176-add-member-can-share';
import { AddImageRevision1796400000000 } from './1796400000000-add-image-revision';
import { AddListingIndexes1796400000001 } from './1796400000001-add-listing-indexes';
import { AddTasks1796500000000 } from './1796500000000-add-tasks';
import { UseUtf8mb4Binary1796600000000 } from './1796600000000-use-utf8mb4-binary';
import { WidenTaskColumns1796700000000 } from './1796700000000-widen-task-columns';

/** Every migration, oldest first. */
export const MIGRATIONS = [
  InitialSchema1764800000000,
  AddMemberCanShare1796365204176,
  AddImageRevision1796400000000,
  AddListingIndexes1796400000001,
  AddTasks1796500000000,
  UseUtf8mb4Binary1796600000000,
  WidenTaskColumns1796700000000,
];
