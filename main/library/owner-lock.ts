// Owner lock files (one per run folder, one per library): who holds it (PID, host, process start time, a token per
// holder), created with O_EXCL so two processes never both win, and judged stale only when its process is gone.
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockOwner {
  pid: number;
  host: string;
  /** Start time of the owning process (Linux clock ticks since boot); a reused PID has another one. Null where unknown. */
  procStart: number | null;
  /** One per holder (job manager, app instance), so two holders in one process are still told apart. */
  token: string;
  /** What holds it, for the message: "lathe serve", "desktop app", "lathe train". */
  label: string;
  since: string;
}

/** Start time of a process from /proc (Linux); null elsewhere or when the process is gone. */
export function processStartTime(pid: number | 'self'): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces and parentheses: count fields after its closing parenthesis. starttime is field 22.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(rest[22 - 3]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A new identity for one holder in this process. */
export function newOwner(label: string): LockOwner {
  return { pid: process.pid, host: hostname(), procStart: processStartTime('self'), token: randomUUID(), label, since: new Date().toISOString() };
}

/** Whether the process that wrote `owner` is still running. A lock from another host cannot be checked: it counts as live. */
export function ownerAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (!Number.isSafeInteger(owner.pid) || owner.pid <= 0 || !pidAlive(owner.pid)) return false;
  if (owner.procStart === null) return true;
  const now = processStartTime(owner.pid);
  return now === null || now === owner.procStart;
}

export function describeOwner(o: LockOwner): string {
  return `${o.label} (PID ${o.pid} on ${o.host}, since ${o.since})`;
}

export function readLock(file: string): LockOwner | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.token === 'string') return o;
  } catch {
    // A torn lock file (crash while writing it) has no live owner to protect.
  }
  return { pid: 0, host: hostname(), procStart: null, token: 'torn', label: 'a torn lock file', since: '' };
}

export type AcquireResult = { ok: true } | { ok: false; holder: LockOwner };

/** Takes the lock for `me`, replacing a stale one; returns the live holder when someone else has it. Re-entrant for `me`. */
export function acquireLock(file: string, me: LockOwner): AcquireResult {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, JSON.stringify(me) + '\n');
      } finally {
        closeSync(fd);
      }
      return { ok: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(file);
    if (!holder) continue;
    if (holder.token === me.token) return { ok: true };
    if (ownerAlive(holder) && holder.token !== 'torn') return { ok: false, holder };
    // Stale: move it aside under a unique name first, so two processes clearing it at once cannot delete a fresh lock.
    const aside = `${file}.stale-${randomUUID()}`;
    try {
      renameSync(file, aside);
      rmSync(aside, { force: true });
    } catch {
      // Someone else cleared it first: try again.
    }
  }
  const holder = readLock(file);
  return holder ? { ok: false, holder } : { ok: false, holder: { ...me, label: 'another process', token: 'unknown' } };
}

/** Removes the lock if `me` holds it (never someone else's). */
export function releaseLock(file: string, me: LockOwner): void {
  const holder = readLock(file);
  if (holder && holder.token === me.token) rmSync(file, { force: true });
}

/** The live holder other than `me`, if any. */
export function otherLiveHolder(file: string, me: LockOwner): LockOwner | null {
  const holder = readLock(file);
  if (!holder || holder.token === me.token || holder.token === 'torn' || !ownerAlive(holder)) return null;
  return holder;
}
