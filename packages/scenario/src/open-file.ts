import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { formatSize, READ_CHUNK_BYTES } from './limits';

/**
 * Why a file of a scenario cannot be read. `atFile`: the problem is the file's own (its size), to
 * be reported at the file; otherwise it is the path's, to be reported where the path is named.
 */
export class FileRefused extends Error {
  constructor(
    readonly problem: string,
    readonly hint: string,
    readonly atFile = false,
  ) {
    super(problem);
    this.name = 'FileRefused';
  }
}

/** A regular file inside a scenario folder, open for reading, with the limit it is read to. */
export interface OpenFile {
  fd: number;
  size: number;
  /** Device, inode, size and modification time: the same file, unchanged, has the same. */
  identity: string;
  maxBytes: number;
  /** What the limit is about, for the message: "an event file", "scenario.yaml". */
  what: string;
  /** Told the size of each chunk read (LoadProgress.read). */
  onRead?: (bytes: number) => void;
}

/**
 * Opens `path` (relative to the folder `root`) only if it resolves, symlinks followed, to a regular
 * file inside `root` no larger than `maxBytes`. Nothing outside the folder is ever opened, so no
 * message can quote it; a FIFO or device is refused before it is opened (and opened non-blocking
 * besides, so one swapped in meanwhile cannot hang the reader), and checked again once open.
 */
export function openInside(root: string, path: string, maxBytes: number, what: string): OpenFile {
  if (isAbsolute(path))
    throw new FileRefused(
      `${path} is outside the scenario folder`,
      'name event files by paths relative to the folder, e.g. events/cases.yaml',
    );
  const rootReal = realpathSync(root);
  let real: string;
  try {
    real = realpathSync(resolve(root, path));
  } catch (e) {
    throw refusedBy(e as NodeJS.ErrnoException, path);
  }
  const inside = relative(rootReal, real);
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside))
    throw new FileRefused(
      `${path} ${path.split(/[\\/]/).includes('..') ? 'is' : 'resolves to a file'} outside the scenario folder`,
      'keep every file of a scenario inside its folder (a symlink may point only within it)',
    );
  let fd: number;
  try {
    regularFile(statSync(real), path, maxBytes, what); // before opening: a device is never opened
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (e) {
    throw e instanceof FileRefused ? e : refusedBy(e as NodeJS.ErrnoException, path);
  }
  try {
    const stats = fstatSync(fd);
    const size = regularFile(stats, path, maxBytes, what);
    const identity = `${stats.dev}:${stats.ino}:${size}:${stats.mtimeMs}`;
    return { fd, size, identity, maxBytes, what };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The size of a regular file within its limit; refuses anything else. */
function regularFile(stats: Stats, path: string, maxBytes: number, what: string): number {
  if (!stats.isFile())
    throw new FileRefused(
      stats.isDirectory()
        ? `${path} is a directory, not a file`
        : `${path} is not a regular file (${kindOf(stats)})`,
      'list files that hold events, e.g. events/cases.yaml',
    );
  tooLarge(stats.size, maxBytes, what);
  return stats.size;
}

/**
 * The file's bytes, a chunk at a time, in one buffer reused for every chunk (a chunk is valid until
 * the next is asked for); refused as soon as it passes its limit (a file that grows while read).
 * Closes the file when done, stopped or failed.
 */
export function* readChunks(file: OpenFile): Generator<Buffer> {
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  let total = 0;
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(file.fd, buffer, 0, buffer.length, null);
      } catch (e) {
        throw refusedBy(e as NodeJS.ErrnoException, '', true);
      }
      if (n === 0) return;
      total += n;
      tooLarge(total, file.maxBytes, file.what);
      file.onRead?.(n);
      yield buffer.subarray(0, n);
    }
  } finally {
    closeSync(file.fd);
  }
}

function tooLarge(size: number, maxBytes: number, what: string) {
  if (size > maxBytes)
    throw new FileRefused(
      `is ${formatSize(size)}, more than the limit of ${formatSize(maxBytes)} for ${what}`,
      'split it into several event files, write its events as NDJSON or CSV (read as streams), or raise the limit with --max-file-mb',
      true,
    );
}

function kindOf(s: Stats): string {
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSocket()) return 'a socket';
  return 'not a file';
}

function refusedBy(e: NodeJS.ErrnoException, path: string, atFile = false): FileRefused {
  const name = path === '' ? 'the file' : path;
  switch (e.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new FileRefused(
        `${name} not found`,
        'create it, or correct the path (relative to the scenario folder)',
      );
    case 'ELOOP':
      return new FileRefused(`${name} is a symlink loop`, 'point the symlink at a file', atFile);
    case 'EACCES':
    case 'EPERM':
      return new FileRefused(
        `${name} cannot be read (permission denied)`,
        'give the reader permission to read it',
        atFile,
      );
    default:
      return new FileRefused(
        `${name} cannot be read (${e.code ?? e.message})`,
        'check the file and the disk',
        atFile,
      );
  }
}
