import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');

/** Another process holding the database: resolves once it has the lock, which it keeps until release(). */
export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Lock the SQLite file from a child process, as a backup tool or a stray `sqlite3` shell would.
 * `readers: false` (default): BEGIN EXCLUSIVE, which in WAL mode stops writers only.
 * `readers: true`: exclusive locking mode, which also stops readers — but only a connection opened
 * while it is held (a connection already open keeps reading), so close the server's first.
 */
export async function lockDatabase(file: string, { readers = false } = {}): Promise<HeldLock> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const db = new (require(${JSON.stringify(betterSqlite3)}))(${JSON.stringify(file)});
       if (${readers}) db.pragma('locking_mode = EXCLUSIVE');
       db.exec('BEGIN EXCLUSIVE');
       db.prepare('SELECT count(*) FROM Site').get();
       process.stdout.write('locked\\n');
       process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the locking process exited (${code}) before it had the lock`)));
    child.stdout.once('data', () => resolve());
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async release() {
      child.stdin.end('release\n');
      await exited;
    },
  };
}

/**
 * Make the database refuse writes as a read-only file system would: the immutable attribute on
 * the file and its write-ahead log (root ignores file modes, not this). The -shm file is left
 * alone: SQLite maps it into memory, and a write to an immutable mapping kills the process.
 */
export function makeReadOnly(file: string): { restore(): void } {
  const files = [file, `${file}-wal`].filter(existsSync);
  execFileSync('chattr', ['+i', ...files]);
  return { restore: () => execFileSync('chattr', ['-i', ...files]) };
}

/** Whether this machine can set the immutable attribute (root on ext4, xfs, btrfs; not tmpfs or overlayfs). */
export function canMakeReadOnly(): boolean {
  const probe = join(tmpdir(), `madoguchi-chattr-${process.pid}`);
  writeFileSync(probe, '');
  try {
    execFileSync('chattr', ['+i', probe], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { force: true });
  }
}

/** The longest the event loop was kept from a 10 ms timer while `during` ran (synchronous SQLite waits block it). */
export async function longestStall<T>(during: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last - 10);
    last = now;
  }, 10);
  try {
    return { result: await during(), stallMs };
  } finally {
    clearInterval(timer);
  }
}
