import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpBalancer } from '../src/cluster/TcpBalancer.ts';

/** An HTTP server that answers with its name: which backend a request reached. */
async function named(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end(name));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

const stopped = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** A fresh connection each time, so that each request is placed anew. */
const answer = async (port: number) => (await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } })).text();

describe('TcpBalancer (the one-machine cluster’s balancer)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('in order: the first backend that accepts; a dead one is passed over', async () => {
    const [a, b] = [await named('A'), await named('B')];
    const balancer = await TcpBalancer.start({ host: '127.0.0.1', port: 0, backends: [a, b].map(({ port }) => ({ host: '127.0.0.1', port })), pick: 'in-order' });
    cleanup.push(() => stopped(b.server), () => balancer.close());
    expect([await answer(balancer.port), await answer(balancer.port)]).toEqual(['A', 'A']);
    await stopped(a.server);
    expect(await answer(balancer.port)).toBe('B');
  });

  it('round-robin: connections spread over the live backends', async () => {
    const [a, b] = [await named('A'), await named('B')];
    const balancer = await TcpBalancer.start({ host: '127.0.0.1', port: 0, backends: [a, b].map(({ port }) => ({ host: '127.0.0.1', port })), pick: 'round-robin' });
    cleanup.push(() => stopped(a.server), () => stopped(b.server), () => balancer.close());
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await answer(balancer.port));
    expect(answers.sort()).toEqual(['A', 'A', 'B', 'B']);
  });

  it('with no live backend the client’s connection is closed; after close() nothing listens', async () => {
    const a = await named('A');
    const { port } = a;
    await stopped(a.server);
    const balancer = await TcpBalancer.start({ host: '127.0.0.1', port: 0, backends: [{ host: '127.0.0.1', port }], pick: 'in-order' });
    const entry = balancer.port;
    await expect(answer(entry)).rejects.toThrow();
    await balancer.close();
    await expect(answer(entry)).rejects.toThrow();
  });
});
