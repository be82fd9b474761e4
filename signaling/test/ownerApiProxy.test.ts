import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express, { type Express } from 'express';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '@madoguchi/db/test/postgres';
import { sendError } from '../src/api/errors.ts';
import { ApiAddress, createOwnerApiProxy, trustForwardedClient } from '../src/cluster/OwnerApi.ts';
import { OwnerLease } from '../src/cluster/OwnerLease.ts';
import { CITY } from '../src/cluster/SocketRelay.ts';
import { certificateNames, ensureLocalCertificates } from '../src/tls/localCertificates.ts';
import { useTestRedis } from './redis.ts';

const SECRET = 'the-nodes-shared-jwt-secret';
const LEASE_KEY = `madoguchi:lease:${CITY}`;
/** The client's address as the edge computes it: the edge trusts its loopback proxy's X-Forwarded-For. */
const CLIENT = '203.0.113.9';

const sign = (address: string) => createHmac('sha256', SECRET).update(`client-address:${address}`).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Server = http.Server | https.Server;

async function listen(server: Server): Promise<{ server: Server; port: number }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** The owner's `/api`: what it was asked, as it sees it. `hung`: the requests to /api/hang, each settled when closed. */
function ownerApp(hung: Array<Promise<unknown>>): Express {
  const app = express();
  app.use('/api', trustForwardedClient(SECRET));
  app.use(express.json());
  app.all('/api/echo', (req, res) => {
    res.setHeader('x-owner', 'yes');
    res.status(req.method === 'POST' ? 201 : 203).json({
      method: req.method,
      url: req.originalUrl,
      body: req.body ?? null,
      ip: req.ip,
      host: req.headers.host,
      authorization: req.headers.authorization ?? null,
      clientHeaders: Object.keys(req.headers).filter((name) => name.startsWith('x-madoguchi-client')),
    });
  });
  app.get('/api/missing', (_req, res) => sendError(res, 'NOT_FOUND', 'no such thing'));
  app.get('/api/hang', (_req, res) => {
    hung.push(new Promise((resolve) => res.once('close', resolve)));
  });
  app.get('/api/broken', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
    res.write('the start of an answer');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  return app;
}

function edgeApp(redis: Redis, options: { ca?: string } = {}): Express {
  const app = express();
  app.set('trust proxy', 'loopback');
  app.use('/api', createOwnerApiProxy({ redis, name: CITY, secret: SECRET, timeoutMs: 500, ...options }));
  return app;
}

/** A request through the edge, as a client behind the edge's loopback proxy at CLIENT. */
function viaEdge(port: number, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { 'x-forwarded-for': CLIENT, ...init.headers } });
}

describe('the owner’s API through an edge node', () => {
  const redis = useTestRedis();
  const servers: Server[] = [];
  const addresses: ApiAddress[] = [];
  const hung: Array<Promise<unknown>> = [];
  let ownerPort: number;
  let edgePort: number;

  beforeAll(async () => {
    const owner = await listen(http.createServer(ownerApp(hung)));
    const edge = await listen(http.createServer(edgeApp(redis.client)));
    servers.push(owner.server, edge.server);
    ownerPort = owner.port;
    edgePort = edge.port;
    addresses.push(ApiAddress.publish({ redis: redis.client, nodeId: 'owner-node', url: `http://127.0.0.1:${ownerPort}` }));
  });
  beforeEach(async () => {
    await redis.client.set(LEASE_KEY, 'owner-node:7');
  });
  afterAll(async () => {
    for (const address of addresses) await address.close();
    for (const server of servers) await close(server);
  });

  it('finds the holder of the lease by its node id', async () => {
    expect(await OwnerLease.holderOf(redis.client, CITY)).toBe('owner-node');
    expect(await OwnerLease.holderOf(redis.client, 'nobody-holds-this')).toBeNull();
  });

  it('passes a GET with its query string and headers, and returns the status, headers and body as the owner sent them', async () => {
    const response = await viaEdge(edgePort, '/api/echo?day=2026-12-06&q=%E7%AA%93%E5%8F%A3', { headers: { authorization: 'Bearer staff-token' } });
    expect(response.status).toBe(203);
    expect(response.headers.get('x-owner')).toBe('yes');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      method: 'GET',
      url: '/api/echo?day=2026-12-06&q=%E7%AA%93%E5%8F%A3',
      body: null,
      ip: CLIENT,
      host: `127.0.0.1:${edgePort}`, // the client's Host: the owner's origin check compares it
      authorization: 'Bearer staff-token',
      clientHeaders: [],
    });
  });

  it('passes a POST’s JSON body, and an error answer as it is', async () => {
    const response = await viaEdge(edgePort, '/api/echo?draft=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '窓口', seats: 3 }) });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ method: 'POST', url: '/api/echo?draft=1', body: { name: '窓口', seats: 3 }, ip: CLIENT });

    const missing = await viaEdge(edgePort, '/api/missing');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such thing' } });
  });

  it('a client cannot choose the address the owner counts', async () => {
    // Straight to the owner with a made-up signature: ignored, and hidden from the routes.
    const direct = await fetch(`http://127.0.0.1:${ownerPort}/api/echo`, { headers: { 'x-madoguchi-client-address': '198.51.100.1', 'x-madoguchi-client-signature': sign('198.51.100.2') } });
    expect(await direct.json()).toMatchObject({ ip: '127.0.0.1', clientHeaders: [] });
    const unsigned = await fetch(`http://127.0.0.1:${ownerPort}/api/echo`, { headers: { 'x-madoguchi-client-address': '198.51.100.1' } });
    expect(await unsigned.json()).toMatchObject({ ip: '127.0.0.1', clientHeaders: [] });
    // Through the edge, even a correctly signed pair (one that leaked) is replaced by what the edge sees.
    const throughEdge = await viaEdge(edgePort, '/api/echo', {
      headers: { 'x-madoguchi-client-address': '198.51.100.1', 'x-madoguchi-client-signature': sign('198.51.100.1'), 'x-madoguchi-client-other': 'made up' },
    });
    expect(await throughEdge.json()).toMatchObject({ ip: CLIENT, clientHeaders: [] });
    // What an edge signs is taken.
    const signed = await fetch(`http://127.0.0.1:${ownerPort}/api/echo`, { headers: { 'x-madoguchi-client-address': '198.51.100.1', 'x-madoguchi-client-signature': sign('198.51.100.1') } });
    expect(await signed.json()).toMatchObject({ ip: '198.51.100.1', clientHeaders: [] });
  });

  async function expectUnavailable(response: Response): Promise<void> {
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.json()).toEqual({ error: { code: 'UNAVAILABLE', message: 'the server that runs the city cannot be reached just now; try again shortly' } });
  }

  it('no node holds the city: UNAVAILABLE, to retry', async () => {
    await redis.client.del(LEASE_KEY);
    await expectUnavailable(await viaEdge(edgePort, '/api/echo'));
  });

  it('the holder has not published its address: UNAVAILABLE', async () => {
    await redis.client.set(LEASE_KEY, 'quiet-node:8');
    await expectUnavailable(await viaEdge(edgePort, '/api/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' }));
  });

  it('the holder’s address refuses connections: UNAVAILABLE', async () => {
    const deadPort = await freePort();
    await redis.client.set(LEASE_KEY, 'dead-node:9');
    await redis.client.set('madoguchi:node:dead-node:api', `http://127.0.0.1:${deadPort}`, 'PX', 5_000);
    await expectUnavailable(await viaEdge(edgePort, '/api/echo'));
  });

  it('the owner does not answer in time: UNAVAILABLE, and the owner’s request is dropped', async () => {
    await expectUnavailable(await viaEdge(edgePort, '/api/hang'));
    await hung.at(-1);
  });

  it('the owner’s answer breaks after it started: the client’s response is cut, not completed', async () => {
    const response = await viaEdge(edgePort, '/api/broken');
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  it('a client that goes away: the request to the owner is aborted', async () => {
    const client = new AbortController();
    const before = hung.length;
    const answered = viaEdge(edgePort, '/api/hang', { signal: client.signal });
    await expect.poll(() => hung.length).toBe(before + 1); // the owner has the request
    client.abort();
    await expect(answered).rejects.toThrow();
    // Well before the edge would have given up on the owner (500 ms).
    expect(await Promise.race([hung.at(-1), sleep(250).then(() => 'still open')])).not.toBe('still open');
  });

  it('an owner over HTTPS is checked against its own name, the client’s Host passed on', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'madoguchi-owner-tls-'));
    try {
      const tls = ensureLocalCertificates(dir, certificateNames([], 'madoguchi-owner'));
      const owner = await listen(https.createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, ownerApp(hung)));
      const edge = await listen(http.createServer(edgeApp(redis.client, { ca: readFileSync(tls.caFile, 'utf8') })));
      servers.push(owner.server, edge.server);
      await redis.client.set(LEASE_KEY, 'tls-node:10');
      await redis.client.set('madoguchi:node:tls-node:api', `https://127.0.0.1:${owner.port}`, 'PX', 5_000);
      // A Host the owner's certificate does not name (fetch would not send it): the edge's public name.
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.request({ host: '127.0.0.1', port: edge.port, path: '/api/echo', headers: { host: 'madoguchi.city.example', 'x-forwarded-for': CLIENT } }, (response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body }));
        });
        request.on('error', reject).end();
      });
      expect(answer.status).toBe(203);
      expect(JSON.parse(answer.body)).toMatchObject({ host: 'madoguchi.city.example', ip: CLIENT });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ApiAddress', () => {
  const redis = useTestRedis();

  it('is refreshed while published and removed at close', async () => {
    const address = ApiAddress.publish({ redis: redis.client, nodeId: 'node-a', url: 'http://10.0.0.5:8080', ttlMs: 300 });
    try {
      expect(await ApiAddress.of(redis.client, 'node-a')).toBe('http://10.0.0.5:8080');
      expect(await redis.client.pttl('madoguchi:node:node-a:api')).toSatisfy((ms: number) => ms > 0 && ms <= 300);
      await sleep(600); // twice its lifetime
      expect(await ApiAddress.of(redis.client, 'node-a')).toBe('http://10.0.0.5:8080');
    } finally {
      await address.close();
    }
    expect(await ApiAddress.of(redis.client, 'node-a')).toBeNull();
  });

  it('lapses when its node dies', async () => {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    connection.on('error', () => {});
    const address = ApiAddress.publish({ redis: connection, nodeId: 'node-b', url: 'http://10.0.0.6:8080', ttlMs: 300 });
    try {
      await expect.poll(() => ApiAddress.of(redis.client, 'node-b')).toBe('http://10.0.0.6:8080');
      connection.disconnect(); // as a crashed process: no more refreshes, nothing removed
      await sleep(400);
      expect(await ApiAddress.of(redis.client, 'node-b')).toBeNull();
    } finally {
      await address.close();
    }
  });
});
