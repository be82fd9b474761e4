import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateNames, ensureLocalCertificates } from '../src/tls/localCertificates.ts';
import { startTestServer, type TestServer } from './harness.ts';

/**
 * HTTPS as `npm start` serves it by default (TLS=local): the server's own CA and certificate,
 * renewed without the tablets noticing, HTTPS and its redirect on one port, and the CA handed out.
 */
const dir = mkdtempSync(join(tmpdir(), 'madoguchi-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the local certificate authority', () => {
  const tlsDir = join(dir, 'own');

  it('makes a CA and a server certificate for the names, private to the server, and nothing on the next start', () => {
    const first = ensureLocalCertificates(tlsDir, certificateNames(['192.168.10.5'], 'madoguchi-srv'));
    expect(first.made).toBe('authority');
    expect(first.names).toEqual(['localhost', 'madoguchi-srv', '127.0.0.1', '192.168.10.5']);
    const server = new X509Certificate(readFileSync(first.certFile));
    const authority = new X509Certificate(readFileSync(first.caFile));
    expect(server.verify(authority.publicKey)).toBe(true);
    expect(server.checkHost('madoguchi-srv')).toBe('madoguchi-srv');
    expect(server.checkIP('192.168.10.5')).toBe('192.168.10.5');
    expect(server.ca).toBe(false);
    expect(authority.ca).toBe(true);
    for (const file of [first.caFile, first.certFile, first.keyFile, join(tlsDir, 'ca-key.pem')]) expect(statSync(file).mode & 0o077).toBe(0);
    expect(statSync(tlsDir).mode & 0o077).toBe(0);

    expect(ensureLocalCertificates(tlsDir, certificateNames(['192.168.10.5'], 'madoguchi-srv')).made).toBe('nothing');
  });

  it('renews only the server certificate when an address is new or expiry is near, so tablets keep trusting the CA', () => {
    const before = ensureLocalCertificates(tlsDir, certificateNames(['192.168.10.5'], 'madoguchi-srv'));
    const moved = ensureLocalCertificates(tlsDir, certificateNames(['10.20.0.7'], 'madoguchi-srv'));
    expect(moved.made).toBe('server-certificate');
    expect(moved.caFingerprint).toBe(before.caFingerprint);
    expect(new X509Certificate(readFileSync(moved.certFile)).checkIP('10.20.0.7')).toBe('10.20.0.7');

    const validTo = Date.parse(new X509Certificate(readFileSync(moved.certFile)).validTo);
    const nearExpiry = ensureLocalCertificates(tlsDir, certificateNames(['10.20.0.7'], 'madoguchi-srv'), validTo - 10 * 24 * 3600_000);
    expect(nearExpiry.made).toBe('server-certificate');
    expect(nearExpiry.caFingerprint).toBe(before.caFingerprint);
  });
});

describe('the server with TLS=local', () => {
  let t: TestServer;
  let ca: Buffer;

  beforeAll(async () => {
    t = await startTestServer({ tls: { mode: 'local', dir: join(dir, 'server') } });
    ca = readFileSync(t.server.localCertificates!.caFile);
  }, 60_000);
  afterAll(() => t?.close());

  const port = () => new URL(t.server.url).port;

  function get(url: string, options: { ca?: Buffer } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      send(url, { ca: options.ca }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });
  }

  it('serves HTTPS that a client trusting only the local CA accepts, with HSTS', async () => {
    expect(t.server.url).toBe(`https://127.0.0.1:${port()}`);
    const health = await get(`https://localhost:${port()}/api/health`, { ca });
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    await expect(get(`https://localhost:${port()}/api/health`)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('redirects plain HTTP on the same port to HTTPS, and hands out the CA certificate there', async () => {
    const redirected = await get(`http://127.0.0.1:${port()}/kiosk/?lang=en`);
    expect(redirected.status).toBe(308);
    expect(redirected.headers.location).toBe(`https://127.0.0.1:${port()}/kiosk/?lang=en`);
    const authority = await get(`http://127.0.0.1:${port()}/madoguchi-ca.crt`);
    expect(authority.status).toBe(200);
    expect(new X509Certificate(authority.body).fingerprint256).toBe(t.server.localCertificates!.caFingerprint);
  });

  it('carries the signaling socket over TLS', async () => {
    const token = await t.deviceToken('江川出張所');
    const socket = io(`https://localhost:${port()}`, { auth: { token }, transports: ['websocket'], ca: ca.toString(), reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      expect(socket.connected).toBe(true);
    } finally {
      socket.close();
    }
  });
});
