import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AdminSitesResponse, SfuStats } from '@madoguchi/protocol';
import { openDatabase } from '@madoguchi/db';
import { startTestPostgres, type TestPostgres } from '@madoguchi/db/test/postgres';
import { startSfuNodeProcess, type SfuNodeProcess } from '@madoguchi/sfu/testing';
import { TcpBalancer } from '../../../signaling/src/cluster/TcpBalancer.ts';
import { startTestRedis, type TestRedis } from '../../../signaling/test/redisServer.ts';
import { E2E_PASSWORD, SERVER_ARGS, SERVER_DIR, SERVER_ENV, freePort } from './server.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** One signaling node: the built server of npm start, as its own process. */
export interface ClusterNode {
  name: string;
  /** The node's own address (not through a balancer). */
  url: string;
  /** `kill -9`, as a power cut would; resolves once the process is gone. */
  crash(): Promise<void>;
  output(): string;
}

/** What a browser or a test reaches the cluster through: a balancer's address. */
export interface ClusterEntry {
  url: string;
  /** A new tablet registered at the site through the admin API (by whichever node answers); returns its token. */
  registerTablet(siteName: string): Promise<string>;
}

export interface RunningCluster {
  nodes: ClusterNode[];
  /** The SFU nodes (`npm start -w sfu`), when the cluster runs its media on them: sfu-1, sfu-2, … */
  sfuNodes: SfuNodeProcess[];
  /** A balancer that prefers the nodes in the order given, passing over a dead one. */
  entry(...preferred: ClusterNode[]): Promise<ClusterEntry>;
  /** Consultations open in the database (not ended): what a take-over can restore. */
  openConsultations(): Promise<number>;
  /** What the node says it is (GET /api/node): the owner of the city's lease, or an edge. */
  role(node: ClusterNode): Promise<string>;
  /** The media workers and the consultations they host, through a node's admin API (always the owner's: an edge passes /api to it). */
  sfuWorkers(node: ClusterNode): Promise<SfuStats['workers']>;
  stop(): Promise<void>;
}

/**
 * The cluster mode on this machine, as npm run start:cluster runs it: a real PostgreSQL and a
 * real Redis (throw-away ones), the database migrated and seeded, `sfuWorkers.length` SFU nodes of
 * the built sfu/ (with that many media workers each; none: each signaling node's media in process),
 * and `count` signaling nodes of the built server, started one after another so that the first runs
 * the city. Balancers are made per test (entry()), so that a test places its browsers on the nodes
 * it means.
 */
export async function startCluster(count = 2, { sfuWorkers = [] }: { sfuWorkers?: number[] } = {}): Promise<RunningCluster> {
  const undo: (() => Promise<unknown> | unknown)[] = [];
  const stop = async () => {
    for (const step of undo.reverse()) await Promise.resolve(step()).catch(() => undefined);
  };
  try {
    const postgres: TestPostgres = await startTestPostgres();
    undo.push(() => postgres.stop());
    const redis: TestRedis = await startTestRedis();
    undo.push(() => redis.stop());
    const dir = mkdtempSync(join(tmpdir(), 'madoguchi-cluster-'));
    undo.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = {
      ...process.env,
      ...SERVER_ENV,
      DATABASE_URL: await postgres.createDatabase('madoguchi'),
      REDIS_URL: redis.url,
      SEED_DEMO_PASSWORD: E2E_PASSWORD,
      JWT_SECRET: 'e2e-secret-0123456789abcdef0123456789',
      HOST: '127.0.0.1',
      MEDIA_LISTEN_IP: '127.0.0.1',
      MEDIA_PORT: '0',
      MEDIA_WORKERS: '1',
      QUALITY_SAMPLE_SECONDS: '1',
      TLS: 'off',
      TURN: 'off',
      // Shared by the nodes, as a shared file system would be: stills and documents outlive their node.
      DATA_DIR: join(dir, 'data'),
    };
    const sfuSecret = 'e2e-sfu-secret-0123456789abcdef0123456789';
    const sfuNodes: SfuNodeProcess[] = [];
    for (const [i, workers] of sfuWorkers.entries()) {
      const node = await startSfuNodeProcess({ id: `sfu-${i + 1}`, redisUrl: redis.url, secret: sfuSecret, workers, built: true });
      undo.push(() => node.kill());
      sfuNodes.push(node);
    }
    if (sfuNodes.length) Object.assign(env, { SFU: 'nodes', SFU_SECRET: sfuSecret });
    const tsx = join(REPO_ROOT, 'node_modules/.bin/tsx');
    execFileSync(tsx, ['prisma/scripts/migrate.ts', 'deploy'], { cwd: REPO_ROOT, env, stdio: 'pipe' });
    execFileSync(tsx, ['prisma/scripts/seed.ts'], { cwd: REPO_ROOT, env, stdio: 'pipe' });

    const db = openDatabase(env.DATABASE_URL);
    undo.push(() => db.$disconnect());
    const nodes: ClusterNode[] = [];
    for (let i = 0; i < count; i++) {
      const name = String.fromCharCode(65 + i); // A, B, …
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      let output = '';
      const child: ChildProcess = spawn(process.execPath, SERVER_ARGS, { cwd: SERVER_DIR, env: { ...env, PORT: String(port), NODE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (chunk) => (output += chunk));
      child.stderr?.on('data', (chunk) => (output += chunk));
      const gone = new Promise<void>((resolveGone) => child.once('exit', () => resolveGone()));
      const crash = async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await gone;
      };
      undo.push(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
        await crash();
      });
      const deadline = Date.now() + 60_000;
      while (!(await fetch(`${url}/api/health`).then((r) => r.ok, () => false))) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`node ${name} did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      nodes.push({ name, url, crash, output: () => output });
    }

    const login = async (url: string, username: string) => {
      const response = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: E2E_PASSWORD }) });
      if (!response.ok) throw new Error(`login ${username}: ${response.status}`);
      return ((await response.json()) as { token: string }).token;
    };
    return {
      nodes,
      sfuNodes,
      async entry(...preferred) {
        const balancer = await TcpBalancer.start({
          host: '127.0.0.1',
          port: 0,
          backends: preferred.map((node) => ({ host: '127.0.0.1', port: Number(new URL(node.url).port) })),
          pick: 'in-order',
        });
        undo.push(() => balancer.close());
        const url = `http://127.0.0.1:${balancer.port}`;
        return {
          url,
          async registerTablet(siteName) {
            const admin = { 'content-type': 'application/json', authorization: `Bearer ${await login(url, 'admin')}` };
            const { sites } = (await (await fetch(`${url}/api/admin/sites`, { headers: admin })).json()) as AdminSitesResponse;
            const site = sites.find((s) => s.name === siteName);
            if (!site) throw new Error(`no site ${siteName}`);
            const response = await fetch(`${url}/api/admin/devices`, { method: 'POST', headers: admin, body: JSON.stringify({ siteId: site.id, name: `e2e ${siteName}` }) });
            if (response.status !== 201) throw new Error(`register tablet: ${response.status}`);
            return ((await response.json()) as { token: string }).token;
          },
        };
      },
      openConsultations: () => db.consultation.count({ where: { endedAt: null } }),
      async role(node) {
        return ((await (await fetch(`${node.url}/api/node`)).json()) as { role: string }).role;
      },
      async sfuWorkers(node) {
        const response = await fetch(`${node.url}/api/admin/sfu`, { headers: { authorization: `Bearer ${await login(node.url, 'admin')}` } });
        if (!response.ok) throw new Error(`admin/sfu through ${node.name}: ${response.status}`);
        return ((await response.json()) as SfuStats).workers;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
