import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { RoutingSettings, RoutingSettingsResponse, SfuStats } from '@madoguchi/protocol';
import { installAuthority } from './authority.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const E2E_PASSWORD = 'e2e-demo-password';

/**
 * The node arguments of `npm start` (signaling's start script, `[NAME=value …] node <args>`), run from
 * signaling/: the tests start the very built server users run, with node itself as the process they
 * hold, so that crash() kills the server and not a wrapper, and with the script's environment
 * settings (SERVER_ENV: glibc's malloc tuning). `npm test` builds it first.
 */
export const SERVER_DIR = join(REPO_ROOT, 'signaling');
const startWords = (JSON.parse(readFileSync(join(SERVER_DIR, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');
const nodeAt = startWords.indexOf('node');
export const SERVER_ENV: Record<string, string> = Object.fromEntries(
  startWords.slice(0, nodeAt).map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]),
);
export const SERVER_ARGS = startWords.slice(nodeAt + 1);

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface RunningServer {
  url: string;
  /** Where the server keeps stills (STILLS_DIR). */
  stillsDir: string;
  /** The server's SQLite file (DATABASE_URL), for tests that lock it or make it read-only. */
  databaseFile: string;
  /** Read-only SQL against the server's database file. */
  query<T>(sql: string, ...params: unknown[]): T[];
  /** A staff token by logging in through the API. */
  login(username: string): Promise<string>;
  /** A new tablet registered at the site, through the admin API; returns its token. */
  registerTablet(siteName: string): Promise<string>;
  /** Live media objects in the SFU, from the admin API. */
  sfuTotals(): Promise<{ routers: number; transports: number; producers: number; consumers: number }>;
  /** Everything the server process has printed so far (stdout and stderr). */
  output(): string;
  /** The server process's id (a new one after restart()). */
  pid(): number;
  /** Change every department's routing through the admin API, as an admin would. */
  configureRouting(change: Partial<RoutingSettings>): Promise<void>;
  /** The mediasoup worker processes and the consultations (rooms) each hosts, from the admin API. */
  sfuWorkers(): Promise<SfuStats['workers']>;
  /** `kill -9` of the worker process hosting the consultation's room; returns its pid. */
  killWorkerHosting(consultationId: string): Promise<number>;
  /** `kill -9` of the server process, as a power cut or the OOM killer would; resolves once it and its media workers are gone. */
  crash(): Promise<void>;
  /** Start the server process again after crash(): same port, database, JWT secret and settings. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /**
   * Routing applied to every department once the server is up. By default no wrap-up, so one
   * operator can take calls back to back in a test.
   */
  routing?: Partial<RoutingSettings>;
  /**
   * Address the server and its media workers listen on (HOST and MEDIA_LISTEN_IP), e.g. the
   * root-side address of a tablet's network namespace (support/netns.ts); default 127.0.0.1.
   */
  host?: string;
}

/**
 * Start `npm start`'s server process on a run-time port with a fresh, migrated, seeded database.
 * `settings` are extra environment variables (see the README's configuration table).
 */
export async function startServer(
  settings: Record<string, string> = {},
  { routing = { wrapUpSeconds: 0 }, host = '127.0.0.1' }: ServerOptions = {},
): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'madoguchi-e2e-'));
  const databaseFile = join(dir, 'e2e.db');
  const port = await freePort(host);
  const env = {
    ...process.env,
    ...SERVER_ENV,
    DATABASE_URL: `file:${databaseFile}`,
    SEED_DEMO_PASSWORD: E2E_PASSWORD,
    JWT_SECRET: 'e2e-secret-0123456789abcdef0123456789',
    HOST: host,
    PORT: String(port),
    MEDIA_LISTEN_IP: host,
    MEDIA_PORT: '0',
    MEDIA_WORKERS: '1',
    // The default's shape (.data/stills: a path through a dot-folder), in the test's own directory.
    STILLS_DIR: join(dir, '.data', 'stills'),
    QUALITY_SAMPLE_SECONDS: '1', // a call of a few seconds already has its quality on record
    TLS: 'off', // plain http://127.0.0.1 is a secure context already; network-paths.spec.ts runs the default
    TURN: 'off',
    DATA_DIR: join(dir, '.data'),
    ...settings,
  };
  const tsx = join(REPO_ROOT, 'node_modules/.bin/tsx');
  execFileSync(tsx, ['prisma/scripts/migrate.ts', 'deploy'], { cwd: REPO_ROOT, env, stdio: 'pipe' });
  execFileSync(tsx, ['prisma/scripts/seed.ts'], { cwd: REPO_ROOT, env, stdio: 'pipe' });

  // TLS=local (the product's default): the server signs its certificate with the run's CA, which this process trusts.
  if (env.TLS === 'local') installAuthority(env.DATA_DIR);
  const url = `${env.TLS === 'off' ? 'http' : 'https'}://${host}:${port}`;
  let output = '';
  let child: ChildProcess;
  /** Every media worker pid seen, so that none outlives the test (a killed server leaves them orphaned for a moment). */
  const workerPids = new Set<number>();
  /**
   * A restart in a fault test shares the two cores with six browsers encoding fake cameras: it took
   * 17–27 s there (2.4 s on a quiet machine), and once, under extra load, over 30 s. It gets 60 s.
   */
  const launch = async (allowedMs: number) => {
    child = spawn(process.execPath, SERVER_ARGS, { cwd: SERVER_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    const deadline = Date.now() + allowedMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited (${child.exitCode ?? child.signalCode}):\n${output}`);
      const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`server did not start in ${allowedMs / 1000} s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  await launch(30_000);

  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  const login = async (username: string) => {
    const response = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: E2E_PASSWORD }),
    });
    if (!response.ok) throw new Error(`login ${username}: ${response.status}`);
    return ((await response.json()) as { token: string }).token;
  };
  const adminToken = await login('admin');
  const configureRouting = async (change: Partial<RoutingSettings>) => {
    const admin = { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` };
    const current = (await (await fetch(`${url}/api/admin/routing`, { headers: admin })).json()) as RoutingSettingsResponse;
    for (const { department, ...settings } of current.departments) {
      const response = await fetch(`${url}/api/admin/routing/${department.id}`, {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify({ ...settings, ...change }),
      });
      if (!response.ok) throw new Error(`routing of ${department.name}: ${response.status} ${await response.text()}`);
    }
  };
  await configureRouting(routing);

  const sfuWorkers = async () => {
    const response = await fetch(`${url}/api/admin/sfu`, { headers: { authorization: `Bearer ${adminToken}` } });
    if (!response.ok) throw new Error(`admin/sfu: ${response.status}`);
    const { workers } = (await response.json()) as SfuStats;
    for (const worker of workers) workerPids.add(worker.pid);
    return workers;
  };
  /** Wait for every media worker seen so far to be gone, then SIGKILL any left (checking it still is a mediasoup worker). */
  const reapWorkers = async (waitMs: number) => {
    const isWorker = (pid: number) => existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('mediasoup-worker');
    const deadline = Date.now() + waitMs;
    while ([...workerPids].some(isWorker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const pid of workerPids) {
      try {
        if (isWorker(pid)) process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    workerPids.clear();
  };
  await sfuWorkers();

  return {
    configureRouting,
    output: () => output,
    pid: () => child.pid!,
    url,
    stillsDir: env.STILLS_DIR,
    databaseFile,
    query: <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[],
    login,
    async registerTablet(siteName) {
      const [site] = db.prepare('SELECT id FROM Site WHERE name = ?').all(siteName) as { id: string }[];
      if (!site) throw new Error(`no site ${siteName}`);
      const response = await fetch(`${url}/api/admin/devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ siteId: site.id, name: `e2e ${siteName}` }),
      });
      if (response.status !== 201) throw new Error(`register tablet: ${response.status}`);
      return ((await response.json()) as { token: string }).token;
    },
    async sfuTotals() {
      const workers = await sfuWorkers();
      const sum = (key: 'routers' | 'transports' | 'producers' | 'consumers') => workers.reduce((total, worker) => total + worker[key], 0);
      return { routers: sum('routers'), transports: sum('transports'), producers: sum('producers'), consumers: sum('consumers') };
    },
    sfuWorkers,
    async killWorkerHosting(consultationId) {
      const host = (await sfuWorkers()).find((worker) => worker.roomIds.includes(consultationId) && !worker.failed);
      if (!host) throw new Error(`no media worker hosts consultation ${consultationId}`);
      process.kill(host.pid, 'SIGKILL');
      return host.pid;
    },
    async crash() {
      await sfuWorkers().catch(() => undefined); // note the current workers' pids
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      // The workers notice their channel closing and exit; make sure they are gone.
      await reapWorkers(5_000);
    },
    async restart() {
      if (child.exitCode === null && child.signalCode === null) throw new Error('restart() after crash() or stop() only');
      await launch(60_000);
    },
    async stop() {
      db.close();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      await reapWorkers(2_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
