import {
  createDataSource,
  DataDirectory,
  isSqlite,
  TypeOrmImageRepository,
  WriteLock,
} from '@iris/adapters-store';
import { IrisConfig, loadConfig } from './config';
import { imagesDirectory } from './container';
import { findOrphans } from './store-maintenance';
import { redact } from './server';

const USAGE = `usage: npm run manage -- COMMAND

Commands:
  db sync                  apply every pending database migration
  db version               list the applied migrations
  images orphans           list image data files that no live image uses, and
                           temporary files of interrupted uploads
  images orphans --delete  remove those files
`;

/** Lists, or removes, the files of the data directory that no live image uses. */
async function imageOrphans(config: IrisConfig, remove: boolean): Promise<void> {
  const dataSource = createDataSource(config.databaseUrl);
  await dataSource.initialize();
  try {
    const images = new TypeOrmImageRepository(dataSource, new WriteLock(isSqlite(dataSource)));
    const directory = new DataDirectory(imagesDirectory(config));
    const orphans = await findOrphans(directory, images);
    for (const file of orphans) {
      const kind = file.partial ? 'partial' : 'orphan';
      if (remove) await directory.remove(file);
      process.stdout.write(`${remove ? 'removed ' : ''}${kind} ${file.path}\n`);
    }
    const verb = remove ? 'removed' : 'found';
    process.stdout.write(`${verb} ${orphans.length} file(s) in ${directory.directory}\n`);
  } finally {
    await dataSource.destroy();
  }
}

async function dbSync(url: string): Promise<void> {
  const dataSource = createDataSource(url);
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) process.stdout.write(`applied ${migration.name}\n`);
    process.stdout.write(`database ${redact(url)} is up to date\n`);
  } finally {
    await dataSource.destroy();
  }
}

async function dbVersion(url: string): Promise<void> {
  const dataSource = createDataSource(url);
  await dataSource.initialize();
  try {
    const pending = await dataSource.showMigrations();
    const rows = (await dataSource.query('SELECT name FROM migrations ORDER BY id').catch(() => [])) as {
      name: string;
    }[];
    for (const row of rows) process.stdout.write(`applied ${row.name}\n`);
    process.stdout.write(pending ? 'migrations are pending: run db sync\n' : 'no migration is pending\n');
  } finally {
    await dataSource.destroy();
  }
}

async function main(argv: string[]): Promise<number> {
  const command = argv.join(' ');
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const config = loadConfig();
  if (command === 'db sync') await dbSync(config.databaseUrl);
  else if (command === 'db version') await dbVersion(config.databaseUrl);
  else if (command === 'images orphans') await imageOrphans(config, false);
  else if (command === 'images orphans --delete') await imageOrphans(config, true);
  else {
    const problem = command === '' ? 'missing command' : `unknown command '${command}'`;
    process.stderr.write(`manage: ${problem}\n${USAGE}`);
    return 2;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`manage: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
