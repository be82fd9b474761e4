import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createOriginCheck } from '../src/web/origins.ts';
import { placeCall } from './callFlow.ts';
import { png } from './images.ts';
import { startTestServer, type TestServer } from './harness.ts';

/** Whether a socket with this Origin header (none: not a browser) gets connected. */
function socketOutcome(url: string, token: string, origin?: string): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = io(url, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      extraHeaders: origin ? { origin } : {},
    });
    socket.once('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.once('connect_error', (error) => {
      socket.close();
      resolve(error.message);
    });
  });
}

function cspDirectives(header: string | null): Map<string, string[]> {
  return new Map(
    (header ?? '')
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name!, values]),
  );
}

describe('browser defences on every route', () => {
  let t: TestServer;
  let operatorToken: string;
  let stillPath: string;
  beforeAll(async () => {
    t = await startTestServer();
    operatorToken = await t.staffToken('tax1');
    // A real still, so its route answers with the image itself.
    const call = await placeCall(t);
    const { requestId } = await call.operator.request('still:capture', { consultationId: call.consultationId });
    const upload = await fetch(`${t.server.url}/api/stills?consultationId=${call.consultationId}&requestId=${requestId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await t.deviceToken('清滝郵便局')}`, 'content-type': 'image/png' },
      body: new Uint8Array(png(64, 48)),
    });
    const { still } = (await upload.json()) as { still: { id: string } };
    stillPath = `/api/stills/${still.id}`;
    await call.device.request('consultation:end', { consultationId: call.consultationId });
    call.device.close();
    call.operator.close();
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends CSP, nosniff, no-referrer, a permissions policy, COOP and DENY framing on the apps, the API and the stills', async () => {
    const routes: [string, number][] = [
      ['/kiosk/', 200],
      ['/console/', 200],
      ['/console/#/records', 200],
      ['/api/health', 200],
      ['/api/departments', 200],
      ['/api/records', 200],
      ['/api/nothing', 404],
      ['/api/stills/not-a-still', 404],
      [stillPath, 200],
    ];
    for (const [path, status] of routes) {
      const response = await fetch(`${t.server.url}${path}`, { headers: { authorization: `Bearer ${operatorToken}` } });
      expect(response.status, path).toBe(status);
      const headers = response.headers;
      const csp = cspDirectives(headers.get('content-security-policy'));
      expect(csp.get('default-src'), path).toEqual(["'self'"]);
      expect(csp.get('script-src'), path).toEqual(["'self'"]);
      expect(csp.get('frame-ancestors'), path).toEqual(["'none'"]);
      expect(csp.get('object-src'), path).toEqual(["'none'"]);
      expect(csp.get('connect-src'), path).toEqual(["'self'", `ws://${new URL(t.server.url).host}`]);
      expect(csp.get('img-src'), path).toEqual(["'self'", 'blob:', 'data:']);
      expect(headers.get('content-security-policy'), path).not.toContain('unsafe');
      expect(headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(headers.get('permissions-policy'), path).toContain('camera=(self), microphone=(self)');
      expect(headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
      expect(headers.get('x-frame-options'), path).toBe('DENY');
      expect(headers.get('x-powered-by'), path).toBeNull();
      // Plain HTTP: no HSTS (it would pin a LAN address to HTTPS it does not serve).
      expect(headers.get('strict-transport-security'), path).toBeNull();
    }
  });

  it('serves apps with no inline script and no source maps', async () => {
    for (const app of [t.config.webClientDir, t.config.operatorConsoleDir]) {
      const html = readFileSync(join(app, 'index.html'), 'utf8');
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      expect(scripts.length, app).toBeGreaterThan(0);
      for (const [, attributes, body] of scripts) {
        expect(attributes, app).toMatch(/\bsrc=/);
        expect(body!.trim(), app).toBe('');
      }
      expect(html, app).not.toMatch(/\son[a-z]+=/i); // no inline event handlers either
      const files = readdirSync(app, { recursive: true, encoding: 'utf8' });
      expect(files.filter((file) => file.endsWith('.map')), app).toEqual([]);
      for (const file of files.filter((name) => name.endsWith('.js'))) {
        expect(readFileSync(join(app, file), 'utf8'), file).not.toContain('sourceMappingURL');
      }
    }
    expect(existsSync(join(t.config.operatorConsoleDir, 'index.html'))).toBe(true);
  });

  it('refuses a socket and API calls from a page on another origin, and accepts the server’s own', async () => {
    const own = new URL(t.server.url).origin;
    expect(await socketOutcome(t.server.url, operatorToken, 'http://evil.example')).not.toBe('connected');
    expect(await socketOutcome(t.server.url, operatorToken, 'null')).not.toBe('connected');
    expect(await socketOutcome(t.server.url, operatorToken, own)).toBe('connected');
    expect(await socketOutcome(t.server.url, operatorToken)).toBe('connected'); // not a browser: no Origin

    const departments = (origin?: string) =>
      fetch(`${t.server.url}/api/departments`, { headers: { authorization: `Bearer ${operatorToken}`, ...(origin ? { origin } : {}) } });
    const foreign = await departments('http://evil.example');
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect((await departments(own)).status).toBe(200);
    const login = await fetch(`${t.server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ username: 'tax1', password: 'x' }),
    });
    expect(login.status).toBe(403);
  });
});

describe('allowed origins', () => {
  it('ALLOWED_ORIGINS lists the only origins allowed, normalised; anything that is not an origin is refused at start', () => {
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), ALLOWED_ORIGINS: 'https://madoguchi.city.example, http://10.0.0.5:8080' }, '/tmp');
    expect(config.allowedOrigins).toEqual(['https://madoguchi.city.example', 'http://10.0.0.5:8080']);
    const allowed = createOriginCheck(config.allowedOrigins);
    expect(allowed({ origin: 'https://madoguchi.city.example', host: 'madoguchi.city.example' })).toBe(true);
    expect(allowed({ origin: 'http://10.0.0.5:8080', host: 'anything' })).toBe(true);
    expect(allowed({ origin: 'http://10.0.0.6:8080', host: '10.0.0.6:8080' })).toBe(false);
    expect(() => loadConfig({ JWT_SECRET: 'x'.repeat(32), ALLOWED_ORIGINS: 'https://a.example/path' }, '/tmp')).toThrow(/ALLOWED_ORIGINS/);
    expect(() => loadConfig({ JWT_SECRET: 'x'.repeat(32), ALLOWED_ORIGINS: '*' }, '/tmp')).toThrow(/ALLOWED_ORIGINS/);
  });

  it('by default allows the origin the request was addressed to, at any of the server’s addresses', () => {
    const sameHost = createOriginCheck(undefined);
    expect(sameHost({ origin: 'http://192.168.1.10:8080', host: '192.168.1.10:8080' })).toBe(true);
    expect(sameHost({ origin: 'http://localhost:8080', host: '127.0.0.1:8080' })).toBe(false);
    expect(sameHost({ origin: 'http://192.168.1.10:8081', host: '192.168.1.10:8080' })).toBe(false);
    expect(sameHost({ origin: 'chrome-extension://abc', host: 'abc' })).toBe(false);
    expect(sameHost({ host: '127.0.0.1:8080' })).toBe(true);
  });
});
