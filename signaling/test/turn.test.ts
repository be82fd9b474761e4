import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@madoguchi/db/test/postgres';
import { placeCall } from './callFlow.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { turnSession } from './turnProbe.ts';
import { IceServers, pageHost, turnCredential, type TurnConfig } from '../src/turn/IceServers.ts';

/**
 * TURN as `npm start` runs it: a real coturn started by the server, REST credentials that expire,
 * relaying to the SFU and nowhere else, and the browsers told where it is.
 */
const dir = mkdtempSync(join(tmpdir(), 'madoguchi-turn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixedClock = (ms: number) => ({ now: () => new Date(ms) });

describe('TURN credentials and URLs', () => {
  const embedded: TurnConfig = { mode: 'embedded', port: 3478, tlsPort: 5349, relayPorts: { min: 49160, max: 49359 }, secret: 's3cret', credentialTtlMs: 60_000 };

  it('derive the password from the expiry and identity as coturn does (HMAC-SHA1, base64)', () => {
    const { username, credential } = turnCredential('s3cret', 'device:abc', Date.UTC(2026, 11, 3, 12));
    expect(username).toBe(`${Date.UTC(2026, 11, 3, 12) / 1000}:device:abc`);
    expect(credential).toBe(execFileSync('openssl', ['dgst', '-sha1', '-hmac', 's3cret', '-binary'], { input: username }).toString('base64'));
  });

  it('point the browser at the host it reached the server at, with TLS only when the server has a certificate', () => {
    const ice = new IceServers({ turn: embedded, forceRelay: false, tls: true, clock: fixedClock(1_000_000) });
    expect(ice.forClient('device:abc', 'madoguchi.city.example')).toEqual({
      iceServers: [
        {
          urls: ['turn:madoguchi.city.example:3478?transport=udp', 'turn:madoguchi.city.example:3478?transport=tcp', 'turns:madoguchi.city.example:5349?transport=tcp'],
          username: '1060:device:abc',
          credential: expect.any(String),
        },
      ],
    });
    expect(new IceServers({ turn: embedded, forceRelay: true, tls: false, clock: fixedClock(0) }).forClient('staff:1', '10.0.0.5')).toMatchObject({
      iceServers: [{ urls: ['turn:10.0.0.5:3478?transport=udp', 'turn:10.0.0.5:3478?transport=tcp'] }],
      iceTransportPolicy: 'relay',
    });
    expect(new IceServers({ turn: { mode: 'off' }, forceRelay: false, tls: true, clock: fixedClock(0) }).forClient('staff:1', 'x')).toEqual({});
  });

  it('never put a hostile Host header into a URL', () => {
    expect(pageHost('madoguchi.city.example:8080')).toBe('madoguchi.city.example');
    expect(pageHost('[fd00::5]:8080')).toBe('[fd00::5]');
    expect(pageHost('10.0.0.5')).toBe('10.0.0.5');
    // What is left of a hostile header is a bare host name or nothing: no query, list, user or space.
    expect(pageHost('evil.example?transport=udp,turn:x')).toBe('evil.example');
    expect(pageHost('x@evil.example')).toBe('evil.example');
    for (const hostile of ['a b', 'a,b:1', '', undefined, 'a'.repeat(300)]) expect(pageHost(hostile)).toBeUndefined();
  });
});

describe('the server with the embedded coturn', () => {
  let t: TestServer;
  let turnPort: number;

  beforeAll(async () => {
    turnPort = await freePort();
    t = await startTestServer({
      dataDir: join(dir, 'data'),
      turn: { mode: 'embedded', port: turnPort, tlsPort: await freePort(), relayPorts: { min: 49400, max: 49450 }, secret: 'turn-test-secret', credentialTtlMs: 60_000 },
    });
  }, 60_000);
  afterAll(() => t?.close());

  it('hands each transport a TURN credential of its own at the page host, which coturn accepts until it expires', async () => {
    const call = await placeCall(t);
    const options = call.deviceTransports.sendTransport;
    const [server] = options.iceServers!;
    // Plain HTTP here, so no TURN over TLS (it needs the server's certificate; e2e network-paths.spec.ts runs it).
    expect(server!.urls).toEqual([`turn:127.0.0.1:${turnPort}?transport=udp`, `turn:127.0.0.1:${turnPort}?transport=tcp`]);
    expect(server!.username).toMatch(/^\d+:device:/);
    expect(options.iceTransportPolicy).toBeUndefined();

    const valid = await turnSession('127.0.0.1', turnPort, server!.username!, server!.credential!);
    try {
      expect(await valid.allocate()).toBe('ok');
      // The SFU is the only peer: a relay into the rest of the network is refused.
      expect(await valid.permit('127.0.0.1')).toBe('ok');
      expect(await valid.permit('10.9.8.7')).toBe(403);
    } finally {
      await valid.close();
    }

    const past = turnCredential('turn-test-secret', 'device:late', Date.now() - 1_000);
    const expired = await turnSession('127.0.0.1', turnPort, past.username, past.credential);
    try {
      expect(await expired.allocate()).toBe(401);
    } finally {
      await expired.close();
    }
    const forged = await turnSession('127.0.0.1', turnPort, server!.username!, 'not-the-hmac');
    try {
      expect(await forged.allocate()).toBe(401);
    } finally {
      await forged.close();
    }
  });

  it('stops coturn with the server', async () => {
    const pids = execFileSync('pgrep', ['-f', join(dir, 'data', 'turn')], { encoding: 'utf8' }).trim();
    expect(pids).not.toBe('');
    await t.close();
    expect(() => execFileSync('pgrep', ['-f', join(dir, 'data', 'turn')])).toThrow();
  });
});
