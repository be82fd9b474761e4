import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { watchContentSecurityPolicy } from './support/csp.ts';
import { startServer, type RunningServer } from './support/server.ts';

/**
 * The browser defences of issue 11, tried by a real Chromium: a page on another origin (another
 * port of the same machine, as a hostile page on the LAN or the internet would be) may neither
 * frame the console nor open an authenticated socket, while the server's own pages may.
 */
let server: RunningServer;
let foreign: Server;
let foreignUrl: string;

test.beforeAll(async () => {
  server = await startServer();
  foreign = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>another origin</title><body></body>');
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`;
});
test.afterAll(async () => {
  await new Promise((resolve) => foreign?.close(resolve));
  await server?.stop();
});

/**
 * In the page: open socket.io's WebSocket to the server and authenticate with the token (the
 * Engine.IO / socket.io handshake by hand, as a hostile page would). Resolves with how far it got.
 */
function openAuthenticatedSocket(page: Page, serverUrl: string, token: string): Promise<string> {
  return page.evaluate(
    ({ serverUrl, token }) =>
      new Promise<string>((resolve) => {
        const url = new URL('/socket.io/?EIO=4&transport=websocket', serverUrl);
        url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
        const socket = new WebSocket(url);
        let opened = false;
        const timer = setTimeout(() => resolve(opened ? 'opened, no answer' : 'nothing'), 5_000);
        socket.onopen = () => {
          opened = true;
        };
        socket.onmessage = ({ data }) => {
          const packet = String(data);
          if (packet.startsWith('0')) socket.send(`40${JSON.stringify({ token })}`); // Engine.IO open → socket.io CONNECT
          if (packet.startsWith('40')) {
            clearTimeout(timer);
            socket.close();
            resolve('authenticated');
          }
          if (packet.startsWith('44')) {
            clearTimeout(timer);
            resolve(`refused: ${packet}`);
          }
        };
        socket.onclose = () => {
          clearTimeout(timer);
          resolve(opened ? 'closed' : 'refused before opening');
        };
      }),
    { serverUrl, token },
  );
}

/** In the page: an API call with the token, as the console makes it. */
function callApi(page: Page, serverUrl: string, token: string): Promise<string> {
  return page.evaluate(
    ({ serverUrl, token }) =>
      fetch(new URL('/api/departments', serverUrl), { headers: { authorization: `Bearer ${token}` } }).then(
        (response) => `HTTP ${response.status}`,
        (error: Error) => `failed: ${error.name}`,
      ),
    { serverUrl, token },
  );
}

test('a page on another origin cannot open an authenticated socket or call the API; the server’s own page can', async ({ page }) => {
  const token = await server.login('tax1');
  const violations = watchContentSecurityPolicy(page);

  await page.goto(`${server.url}/kiosk/`);
  expect(await openAuthenticatedSocket(page, server.url, token)).toBe('authenticated');
  expect(await callApi(page, server.url, token)).toBe('HTTP 200');
  expect(violations).toEqual([]);

  await page.goto(foreignUrl);
  const fromForeign = await openAuthenticatedSocket(page, server.url, token);
  console.log(`[defences] socket from ${foreignUrl}: ${fromForeign}`);
  expect(fromForeign).toBe('refused before opening');
  expect(await callApi(page, server.url, token)).toBe('failed: TypeError');
});

test('the console cannot be framed by another origin', async ({ page }) => {
  await page.goto(foreignUrl);
  await page.setContent(`<iframe id="console" src="${server.url}/console/" width="1000" height="700"></iframe>`); // waits for the frame's load
  const frame = page.frames().find((candidate) => candidate !== page.mainFrame())!;
  await page.waitForTimeout(1_000); // time for the console to render, had it been allowed to
  console.log(`[defences] the console framed by ${foreignUrl}: ${frame.url()}`);
  expect(frame.url()).not.toContain('/console/');
  expect(await frame.locator('[data-testid="login-username"]').count()).toBe(0);

  // The same console as a page of its own works, with nothing refused by its policy.
  const violations = watchContentSecurityPolicy(page);
  await page.goto(`${server.url}/console/`);
  await expect(page.getByTestId('login-username')).toBeVisible();
  expect(violations).toEqual([]);
});
