import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDeploy, openDatabase, seedDemoCity, type PrismaClient } from '@madoguchi/db';
import { startTestPostgres, type TestPostgres } from '@madoguchi/db/test/postgres';
import type { Socket } from 'socket.io-client';
import type { Ack, RoutingSettings, ServerEventName, ServerPayload } from '@madoguchi/protocol';
import { ProtocolClient } from '@madoguchi/protocol/client';
import { SfuNode } from '@madoguchi/sfu';
import type { Clock } from '../src/clock.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { RoutingSettingsStore } from '../src/routing/RoutingSettingsStore.ts';
import { startServer, type MadoguchiServer } from '../src/server.ts';

export const TEST_PASSWORD = 'test-password-1';

/**
 * The database test servers run on: SQLite, or PostgreSQL in the signaling-postgres project
 * (vitest.postgres.config.ts), which runs the records tests again on a cluster of each file's own.
 */
const ON_POSTGRES = process.env.MADOGUCHI_TEST_DATABASE === 'postgresql';

export interface TestServer {
  server: MadoguchiServer;
  /** What the server runs with: the defaults, resolved in a temporary directory, with the test's overrides. */
  config: Config;
  db: PrismaClient;
  /** The server's SQLite file (none exists when the server runs on PostgreSQL). */
  databaseFile: string;
  /** A device token for the seeded tablet of the named site. */
  deviceToken(siteName: string): Promise<string>;
  staffToken(username: string): Promise<string>;
  /** A connected socket client (resolves once connected); `beforeConnect` may subscribe to pushes sent on arrival. */
  connect(token: string, beforeConnect?: (client: ProtocolClient) => void): Promise<ProtocolClient>;
  /** Stop the server as SIGTERM does and start a new one on the same port and database (`server` is the new one). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface TestServerOptions extends Partial<Config> {
  /**
   * Routing settings written to every department's row before the server starts (as an admin
   * would). By default tests route without wrap-up, so an operator takes calls back to back.
   */
  routing?: Partial<RoutingSettings>;
}

/**
 * A real server on a free port: fresh SQLite file or PostgreSQL database (migrated, seeded), one real mediasoup worker;
 * relative paths such as the default STILLS_DIR (.data/stills) resolve in a temporary directory
 * as they do in the repo; `clock` replaces the system clock.
 */
export async function startTestServer(options: TestServerOptions = {}, clock?: Clock): Promise<TestServer> {
  const postgres = ON_POSTGRES ? await startTestPostgres() : undefined;
  try {
    return await startTestServerOn(postgres, options, clock);
  } catch (error) {
    // A cluster is a daemon of its own: it would outlive the test run.
    await postgres?.stop();
    throw error;
  }
}

async function startTestServerOn(postgres: TestPostgres | undefined, { routing, ...overrides }: TestServerOptions, clock?: Clock): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'madoguchi-test-'));
  const databaseFile = join(dir, 'test.db');
  const databaseUrl = postgres ? await postgres.createDatabase('madoguchi') : `file:${databaseFile}`;
  await migrateDeploy(databaseUrl);
  const db = openDatabase(databaseUrl);
  await seedDemoCity(db, { password: TEST_PASSWORD });
  const store = new RoutingSettingsStore(db);
  for (const { department, ...settings } of await store.list()) {
    await store.save(department.id, { ...settings, wrapUpSeconds: 0, ...routing });
  }
  const config: Config = {
    ...loadConfig({ JWT_SECRET: 'integration-test-secret-0123456789abcdef', TLS: 'off', TURN: 'off' }, dir),
    port: 0,
    databaseUrl,
    media: { workers: 1, listenIp: '127.0.0.1', port: 0, forceRelay: false },
    resumeWindows: { tabletMs: 300, operatorMs: 300 },
    ...overrides,
  };
  const clients = new Set<ProtocolClient>();
  const started: TestServer = {
    server: await startServer({ config, db, clock }),
    config,
    db,
    databaseFile,
    async deviceToken(siteName) {
      const device = await db.device.findFirstOrThrow({ where: { site: { name: siteName } } });
      return started.server.tokens.issueDeviceToken(device);
    },
    async staffToken(username) {
      const staff = await db.staff.findUniqueOrThrow({ where: { username } });
      return await started.server.tokens.issueStaffToken({ id: staff.id, role: staff.role as 'operator' });
    },
    connect: (token, beforeConnect) =>
      connectedClient(started.server.url, token, (client) => {
        clients.add(client);
        beforeConnect?.(client);
      }),
    async restart() {
      const { port } = started.server.httpServer.address() as AddressInfo;
      await started.server.close();
      started.server = await startServer({ config: { ...config, port }, db, clock });
    },
    async close() {
      for (const client of clients) client.close();
      await started.server.close();
      await db.$disconnect();
      await postgres?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return started;
}

/** A socket client of the server at `url`, resolved once connected; `beforeConnect` sees it first (to keep it, or subscribe to pushes sent on arrival). */
export async function connectedClient(url: string, token: string, beforeConnect?: (client: ProtocolClient) => void): Promise<ProtocolClient> {
  const client = ProtocolClient.connect(token, url);
  beforeConnect?.(client);
  await new Promise<void>((resolve, reject) => {
    client.socket.once('connect', () => resolve());
    client.socket.once('connect_error', reject);
  });
  return client;
}

/** Resolve with the next payload of a server event (optionally the first matching one). */
export function nextEvent<E extends ServerEventName>(
  client: ProtocolClient,
  event: E,
  match: (payload: ServerPayload<E>) => boolean = () => true,
  timeoutMs = 5000,
): Promise<ServerPayload<E>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = client.on(event, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(payload);
    });
  });
}

/** The server's own media workers (a test server runs them in-process, never on SFU nodes). */
export function localSfu(server: MadoguchiServer): SfuNode {
  if (!(server.sfu instanceof SfuNode)) throw new Error('this server runs its media on SFU nodes');
  return server.sfu;
}

export async function sfuTotals(server: MadoguchiServer) {
  const workers = await server.sfu.stats();
  const sum = (key: 'routers' | 'transports' | 'producers' | 'consumers') => workers.reduce((total, w) => total + w[key], 0);
  return {
    routers: sum('routers'),
    transports: sum('transports'),
    producers: sum('producers'),
    consumers: sum('consumers'),
    rssKiB: workers.reduce((total, w) => total + (w.rssKiB ?? 0), 0),
  };
}

/** The socket without the protocol's types: a hostile client sends whatever it likes. */
export const untyped = (client: ProtocolClient) => client.socket as unknown as Socket;

/** Emit anything at all, as a hostile client would, and return the ack (rejects after `timeoutMs` without one). */
export function rawEmit(client: ProtocolClient, event: string, payload?: unknown, timeoutMs = 30_000): Promise<Ack<unknown>> {
  return payload === undefined ? untyped(client).timeout(timeoutMs).emitWithAck(event) : untyped(client).timeout(timeoutMs).emitWithAck(event, payload);
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/**
 * Opening hours of one morning a week (09:00–12:00 in Japan), three days from now: a department
 * with them is closed whenever a test runs — a fixed Saturday failed on Saturday mornings, Japan time.
 * `weekday` is that day as `toLocaleString('en-US', { weekday: 'short' })` writes it.
 */
export function oneMorningAWeek(now = Date.now()): { hours: Record<(typeof WEEKDAYS)[number], { open: string; close: string }[]>; weekday: string } {
  const day = new Date(now + 9 * 3_600_000 + 3 * 86_400_000).getUTCDay();
  const hours = Object.fromEntries(WEEKDAYS.map((name, index) => [name, index === day ? [{ open: '09:00', close: '12:00' }] : []])) as Record<(typeof WEEKDAYS)[number], { open: string; close: string }[]>;
  return { hours, weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][day]! };
}
