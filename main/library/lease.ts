// The library lease: one app instance (the desktop app or one `lathe serve`) writes a library at a time; a second one
// is refused with a message naming the first, instead of both training and indexing behind each other's backs.
import { join } from 'node:path';
import { LatheError } from '../api/errors';
import { acquireLock, describeOwner, releaseLock, type LockOwner } from './owner-lock';
import type { LibraryPaths } from './paths';

export const leaseFile = (paths: LibraryPaths) => join(paths.root, 'library.lock');

export function takeLibraryLease(paths: LibraryPaths, owner: LockOwner): void {
  const got = acquireLock(leaseFile(paths), owner);
  if (got.ok) return;
  throw new LatheError(
    'library.inUse',
    `The library ${paths.root} is already open in ${describeOwner(got.holder)}.`,
    'Use that window or server (it can run training for you), close it first, or set LATHE_HOME to another library folder. `lathe` commands such as `lathe runs list` and `lathe train` work alongside it.',
  );
}

export function releaseLibraryLease(paths: LibraryPaths, owner: LockOwner): void {
  try {
    releaseLock(leaseFile(paths), owner);
  } catch {
    // A lease that cannot be removed is stale as soon as this process exits.
  }
}
