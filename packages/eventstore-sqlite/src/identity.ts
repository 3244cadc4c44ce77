import { StoreMissing, StoreUnavailable, type StoreAccess } from '@incident-ledger/eventstore';
import Database from 'better-sqlite3';
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/**
 * PRAGMA application_id of every store: 'ILDG' in ASCII (0x494c4447), set when the schema is
 * created. It tells a store from another application's SQLite database before anything is written.
 */
export const APPLICATION_ID = 0x494c4447;

/** What a file holds, as far as opening it is concerned. */
export type StoreFile =
  /** Nothing yet (no file, 0 bytes, an SQLite database without tables): a store may be created. */
  | 'none'
  | 'store'
  /** A store made before the application id (0): its tables say it is one; stamp it. */
  | 'unstamped';

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Tables every store of a schema version has (1: events, stream heads; 2 adds event ids). */
const TABLES_OF_VERSION: Record<number, readonly string[]> = {
  1: ['events', 'streams'],
  2: ['events', 'streams', 'event_ids'],
};

/**
 * Tells what `file` holds without writing to it: throws StoreMissing when there is no store and
 * `access` may not create one, StoreUnavailable when the file is not a store (not SQLite, or another
 * application's database), left byte for byte as it was.
 */
export function inspectStoreFile(file: string, access: StoreAccess): StoreFile {
  if (file === ':memory:') return 'none';
  const url = `sqlite:${file}`;
  const none = (what: string): StoreFile => {
    if (access === 'create') return 'none';
    throw new StoreMissing(url, what);
  };
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new StoreUnavailable(url, 'not a file');
    size = stat.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return none('no such file');
    throw e instanceof StoreUnavailable ? e : new StoreUnavailable(url, (e as Error).message);
  }
  if (size === 0) return none('the file is empty (0 bytes)');
  // The header first: a file that is not SQLite at all never reaches the driver.
  if (!header(file).equals(MAGIC))
    throw new StoreUnavailable(url, 'not an SQLite database; the file was left unchanged');
  // The rest through a read-only connection: in WAL mode the file's own header lags the last
  // commits.
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const id = db.pragma('application_id', { simple: true }) as number;
    if (id === APPLICATION_ID) return 'store';
    const foreign = (what: string) =>
      new StoreUnavailable(
        url,
        `${what}, not an incident-ledger store; the file was left unchanged: give the store a file of its own`,
      );
    if (id !== 0)
      throw foreign(`an SQLite database of another application (application_id 0x${hex(id)})`);
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table'")
      .all()
      .map((t) => t.name);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (tables.length === 0 && version === 0) return none('an SQLite database with no store in it');
    const expected = TABLES_OF_VERSION[version];
    if (expected?.every((t) => tables.includes(t))) return 'unstamped';
    throw foreign(
      tables.length === 0
        ? `an SQLite database with no tables and user_version ${version}`
        : `an SQLite database with tables ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}`,
    );
  } catch (e) {
    throw e instanceof StoreUnavailable ? e : new StoreUnavailable(url, (e as Error).message);
  } finally {
    db?.close();
  }
}

/** Stamps a store's application id, unless it has it: a store made before it gets it here. */
export function stampApplicationId(db: Database.Database): void {
  if (db.pragma('application_id', { simple: true }) !== APPLICATION_ID)
    db.pragma(`application_id = ${APPLICATION_ID}`);
}

function header(file: string): Buffer {
  const bytes = Buffer.alloc(MAGIC.length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, bytes, 0, bytes.length, 0);
    return bytes;
  } finally {
    closeSync(fd);
  }
}

const hex = (id: number) => (id >>> 0).toString(16).padStart(8, '0');
