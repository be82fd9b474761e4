/**
 * A real PostgreSQL for tests, from Debian's package: a cluster of its own in a temporary folder
 * (initdb), started by pg_ctl on 127.0.0.1 at a port chosen now, and a database per test file.
 * `stop()` stops the server and removes the folder. No system cluster, no docker.
 *
 * initdb and postgres refuse to run as root, so under root (CI) they run as the `postgres` user
 * that Debian's package creates, in a folder that user owns.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';

export interface TestPostgres {
  /** A new empty database; its `postgresql://` URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server and deletes its folder. */
  stop(): Promise<void>;
}

/** The newest installed server's bin folder (Debian: /usr/lib/postgresql/<major>/bin). */
function postgresBin(): string {
  const majors = existsSync(POSTGRES_ROOT) ? readdirSync(POSTGRES_ROOT).filter((v) => /^\d+$/.test(v)) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`PostgreSQL is not installed (no ${POSTGRES_ROOT}/<version>); run npm run setup`);
  return path.join(POSTGRES_ROOT, newest, 'bin');
}

/** A TCP port free on 127.0.0.1 now (for the test servers: PostgreSQL here, Redis and coturn in signaling's tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function ownerOf(dir: string): Promise<(command: string, args: string[]) => Promise<unknown>> {
  if (process.getuid?.() !== 0) return (command, args) => run(command, args);
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  return (command, args) => run('runuser', ['-u', 'postgres', '--', command, ...args]);
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'madoguchi-pg-'));
  const data = path.join(dir, 'data');
  const asOwner = await ownerOf(dir);
  let started = false;
  const stop = async () => {
    try {
      if (started) await asOwner(path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    await asOwner(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
    const port = await freePort();
    // Its socket in its own folder, TCP on loopback only, no fsync: a throw-away cluster.
    const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    await asOwner(path.join(bin, 'pg_ctl'), ['start', '-D', data, '-l', path.join(dir, 'server.log'), '-o', options, '-w', '-t', '30']);
    started = true;
    const url = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
    return {
      async createDatabase(name) {
        const client = new pg.Client({ connectionString: url('postgres') });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE "${name}"`);
        } finally {
          await client.end();
        }
        return url(name);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
