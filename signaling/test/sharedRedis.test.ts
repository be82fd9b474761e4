import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse, PairByCodeResponse, PairingCodeResponse } from '@madoguchi/protocol';
import { ProtocolClient } from '@madoguchi/protocol/client';
import { loadConfig } from '../src/config.ts';
import { startServer, type MadoguchiServer } from '../src/server.ts';
import { nextEvent, startTestServer, TEST_PASSWORD, type TestServer } from './harness.ts';
import { startTestRedis, type TestRedis } from './redis.ts';

/**
 * Two signaling processes' worth of servers sharing one database and one real Redis (REDIS_URL):
 * what one node decides reaches a socket connected to the other (socket.io's Redis adapter).
 */
describe('signaling nodes sharing Redis', () => {
  let redis: TestRedis;
  let nodeA: TestServer;
  let nodeB: MadoguchiServer;
  const clients: ProtocolClient[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    nodeA = await startTestServer({ redisUrl: redis.url });
    nodeB = await startServer({ config: { ...nodeA.config, port: 0 }, db: nodeA.db });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await nodeB?.close();
    await nodeA?.close();
    await redis?.stop();
  });

  const login = async (node: { url: string }, username: string): Promise<{ token: string; staffId: string }> => {
    const response = await fetch(`${node.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: TEST_PASSWORD }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as LoginResponse;
    return { token: body.token, staffId: body.staff.id };
  };
  const connect = async (node: { url: string }, token: string): Promise<ProtocolClient> => {
    const client = ProtocolClient.connect(token, node.url);
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.socket.once('connect', () => resolve());
      client.socket.once('connect_error', reject);
    });
    return client;
  };

  it('an admin on node A signs out an operator whose console is connected to node B: told why, and disconnected', async () => {
    const admin = await login(nodeA.server, 'admin');
    const operator = await login(nodeB, 'tax1');
    const bystander = await login(nodeB, 'tax2');
    const console = await connect(nodeB, operator.token);
    const bystanderConsole = await connect(nodeB, bystander.token);
    const told = nextEvent(console, 'session:ended');
    const disconnected = new Promise<string>((resolve) => console.socket.once('disconnect', (reason) => resolve(reason)));

    const signedOut = await fetch(`${nodeA.server.url}/api/admin/staff/${operator.staffId}/sign-out`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
      body: '{}',
    });
    expect(signedOut.status).toBe(200);
    expect(await told).toEqual({ reason: 'signed_out_by_admin' });
    expect(await disconnected).toBe('io server disconnect');
    // Node A sees every node's sockets; the bystander's stays.
    const everywhere = (await nodeA.server.io.fetchSockets()).map((socket) => socket.data.principal);
    const staffIds = everywhere.flatMap((principal) => (principal.kind === 'staff' ? [principal.staffId] : []));
    expect(staffIds).toContain(bystander.staffId);
    expect(staffIds).not.toContain(operator.staffId);
    expect(bystanderConsole.socket.connected).toBe(true);
  });

  /** The connect_error of a console with this token on the node, or null when it connects. */
  const refusal = async (node: { url: string }, token: string): Promise<string | null> => {
    try {
      (await connect(node, token)).close();
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  };
  const departments = (node: { url: string }, token: string) => fetch(`${node.url}/api/departments`, { headers: { authorization: `Bearer ${token}` } });
  /** Node B checks sessions from memory once it has read them: that memory must not outlive an end on node A. */
  const untilRefusedOnB = async (token: string): Promise<void> => {
    const deadline = Date.now() + 3_000;
    while ((await departments(nodeB, token)).status !== 401) {
      if (Date.now() > deadline) throw new Error('node B still accepts the token 3 s after node A ended its session');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('a console logged out through node A is refused by node B, which had already checked its session', async () => {
    const operator = await login(nodeA.server, 'tax1');
    expect(await refusal(nodeB, operator.token)).toBeNull();
    expect((await departments(nodeB, operator.token)).status).toBe(200);

    const loggedOut = await fetch(`${nodeA.server.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${operator.token}` } });
    expect(loggedOut.status).toBe(204);
    await untilRefusedOnB(operator.token);
    expect(await refusal(nodeB, operator.token)).toBe('UNAUTHORIZED');
  });

  it('an account disabled through node A has its sessions refused by node B, and another account’s stay', async () => {
    const admin = await login(nodeA.server, 'admin');
    const operator = await login(nodeB, 'welfare1');
    const bystander = await login(nodeB, 'tax2');
    for (const { token } of [operator, bystander]) expect((await departments(nodeB, token)).status).toBe(200);

    const disabled = await fetch(`${nodeA.server.url}/api/admin/staff/${operator.staffId}/disable`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
      body: '{}',
    });
    expect(disabled.status).toBe(200);
    await untilRefusedOnB(operator.token);
    expect(await refusal(nodeB, operator.token)).toBe('UNAUTHORIZED');
    expect((await departments(nodeB, bystander.token)).status).toBe(200);
  });

  it('a pairing code an admin issues through node A pairs the tablet through node B, once', async () => {
    const admin = await login(nodeA.server, 'admin');
    const device = await nodeA.db.device.findFirstOrThrow({ where: { revokedAt: null } });
    const issued = await fetch(`${nodeA.server.url}/api/admin/devices/${device.id}/pairing-code`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(issued.status).toBe(200);
    const { code } = (await issued.json()) as PairingCodeResponse;
    const pair = () =>
      fetch(`${nodeB.url}/api/devices/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    const paired = await pair();
    expect(paired.status).toBe(200);
    const { token } = (await paired.json()) as PairByCodeResponse;
    // The new token works on either node; the code does not work twice.
    expect((await fetch(`${nodeA.server.url}/api/device/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await pair()).status).toBe(401);
  });

  it('a node configured for a Redis it cannot reach does not start, and says why', async () => {
    const gone = await startTestRedis();
    await gone.stop();
    await expect(startServer({ config: { ...nodeA.config, port: 0, redisUrl: gone.url }, db: nodeA.db })).rejects.toThrow(
      `REDIS_URL: cannot reach Redis at ${gone.url}`,
    );
  });

  it('a node whose Redis has gone still stops, in bounded time (its last words to Redis are given up)', async () => {
    const own = await startTestRedis();
    const alone = await startTestServer({ redisUrl: own.url });
    expect(alone.server.owner).toBe(true); // the only node of that Redis: it runs its city
    await own.stop();
    const startedAt = Date.now();
    await alone.close();
    expect(Date.now() - startedAt).toBeLessThan(20_000);
  }, 30_000);
});

describe('REDIS_URL', () => {
  it('is a redis:// or rediss:// URL, and its password is not repeated in the error', () => {
    expect(() => loadConfig({ JWT_SECRET: 'x'.repeat(40), REDIS_URL: 'http://user:secret@cache:6379' })).toThrow(/REDIS_URL=http:\/\/user:\*\*\*@cache:6379: a redis:\/\/ or rediss:\/\/ URL/);
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(40), REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(40) }).redisUrl).toBeUndefined();
  });
});
