import { expect, test, type Page } from '@playwright/test';
import { openTablet } from './support/call.ts';
import { startFaultRig, type FaultRig } from './support/faults.ts';
import { E2E_PASSWORD, freePort } from './support/server.ts';

/**
 * The network check in words, through networks that really block: the tablet's Chromium runs in a
 * network namespace whose own filter lets out only what such a network would (support/netns.ts),
 * against the product's defaults — HTTPS with the server's CA and the embedded coturn. The
 * pre-call check must name what is blocked and where it leads, as the clerk reads it to the IT
 * person; each screen is saved in Japanese.
 *
 * "Nothing open" means nothing to the media ports: the page and its socket come over HTTPS (else
 * there would be no page to show a verdict on — that case is the kiosk's offline screen).
 */
test.describe.configure({ mode: 'serial' });

interface Ports {
  https: number;
  media: number;
  turn: number;
  turnTls: number;
}

async function rigWithTurn(): Promise<{ rig: FaultRig; ports: Ports }> {
  const [media, turn, turnTls] = [await freePort(), await freePort(), await freePort()];
  const rig = await startFaultRig({
    settings: {
      TLS: 'local',
      TURN: 'embedded',
      MEDIA_PORT: String(media),
      TURN_PORT: String(turn),
      TURN_TLS_PORT: String(turnTls),
      TURN_RELAY_PORTS: '49600-49699',
      TURN_SECRET: 'e2e-turn-secret-0123456789',
    },
  });
  return { rig, ports: { https: Number(new URL(rig.server.url).port), media, turn, turnTls } };
}

/** Where each way leads, as the report names it. */
function targets(rig: FaultRig, ports: Ports) {
  const host = rig.net.hostIp;
  return {
    udp: `UDP（直接） ${host}:${ports.media}/UDP`,
    tcp: `TCP（直接） ${host}:${ports.media}/TCP`,
    turnUdp: `TURN/UDP（中継） ${host}:${ports.turn}/UDP`,
    turnTls: `TURN/TLS（中継） ${host}:${ports.turnTls}/TLS`,
  };
}

/** The clerk opens the pre-call check on the tablet and waits for the network's verdict. */
async function precheckVerdict(tablet: Page): Promise<{ verdict: string | null; headline: string; advice: string; details: string[] }> {
  await tablet.getByTestId('open-settings').click();
  await tablet.getByTestId('open-precheck').click();
  const report = tablet.getByTestId('network-report');
  await expect(report).toBeVisible({ timeout: 20_000 });
  return {
    verdict: await report.getAttribute('data-verdict'),
    headline: (await tablet.getByTestId('network-headline').textContent()) ?? '',
    advice: (await tablet.getByTestId('network-advice').textContent().catch(() => null)) ?? '',
    details: await tablet.getByTestId('network-details').locator('li').allTextContents(),
  };
}

async function runCase(name: string, block: (rig: FaultRig, ports: Ports) => void, expectations: (found: Awaited<ReturnType<typeof precheckVerdict>>, where: ReturnType<typeof targets>) => void) {
  const { rig, ports } = await rigWithTurn();
  try {
    block(rig, ports);
    const tablet = await openTablet(rig.tabletBrowser, rig.server, '清滝郵便局');
    const openedAt = Date.now();
    const found = await precheckVerdict(tablet);
    console.log(`[network check] ${name}: ${found.verdict} in ${((Date.now() - openedAt) / 1000).toFixed(1)} s — ${found.headline} | ${found.advice} | ${found.details.join(' | ')}`);
    await tablet.screenshot({ path: test.info().outputPath(`network-check-${name}.png`), fullPage: true });
    expectations(found, targets(rig, ports));
    // Every probe the check opened is closed on the server once the verdict is shown.
    await expect.poll(() => rig.server.sfuTotals(), { timeout: 15_000 }).toMatchObject({ routers: 0, transports: 0 });
  } finally {
    await rig.close();
  }
}

test('UDP blocked: calls work over TCP, and the report names UDP as what is blocked', async () => {
  await runCase(
    'udp-blocked',
    (rig) => rig.net.allowOnlyTcp(),
    (found, where) => {
      expect(found.verdict).toBe('udpBlocked');
      expect(found.headline).toContain('通話できます。ただし このネットワークは UDP を 通さない');
      expect(found.advice).toContain(`${where.udp}, ${where.turnUdp}`);
      expect(found.advice).not.toContain(where.tcp);
      expect(found.details).toEqual(expect.arrayContaining([connected(where.tcp), connected(where.turnTls)]));
      expect(found.details).toContain(`${where.udp}: × 遮断されています`);
      expect(found.details.at(-1)).toMatch(/^送信の 速さ：約 [\d.]+ (Mbps|kbps)（TCP（直接））$/);
    },
  );
});

test('only HTTPS and TURN/TLS open: calls are relayed, and the report names every direct way as blocked', async () => {
  await runCase(
    'turn-tls-only',
    (rig, ports) => rig.net.allowOnlyTcp([ports.https, ports.turnTls]),
    (found, where) => {
      expect(found.verdict).toBe('relayOnly');
      expect(found.headline).toContain('中継サーバー（TURN/TLS）経由');
      expect(found.advice).toContain(`${where.udp}, ${where.tcp}, ${where.turnUdp}`);
      expect(found.details).toEqual(expect.arrayContaining([connected(where.turnTls)]));
      expect(found.details.at(-1)).toMatch(/（TURN\/TLS（中継））$/);
    },
  );
});

test('nothing open to the media ports: the report says video cannot be sent and lists every address and port to open', async () => {
  await runCase(
    'media-blocked',
    (rig, ports) => rig.net.allowOnlyTcp([ports.https]),
    (found, where) => {
      expect(found.verdict).toBe('mediaBlocked');
      expect(found.headline).toBe('このネットワークでは映像を送れません。管理者に次の情報を伝えてください：');
      expect(found.advice).toContain(`${where.udp}, ${where.tcp}, ${where.turnUdp}, ${where.turnTls}`);
      for (const target of Object.values(where)) expect(found.details).toContain(`${target}: × 遮断されています`);
      expect(found.details[0]).toMatch(/^HTTPS https:\/\/.+: ○ 応答 \d+ ms$/);
    },
  );
});

test('the console’s ネットワーク診断 runs the same check from the city office’s LAN', async () => {
  const { rig } = await rigWithTurn();
  try {
    const context = await rig.consoleBrowser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${rig.server.url}/console/`);
    await page.getByTestId('login-username').fill('supervisor');
    await page.getByTestId('login-password').fill(E2E_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.goto(`${rig.server.url}/console/#/settings`);
    await page.getByTestId('network-check-run').click();
    const report = page.getByTestId('network-report');
    await expect(report).toHaveAttribute('data-verdict', 'good', { timeout: 20_000 });
    await expect(page.getByTestId('network-headline')).toHaveText('このネットワークで 通話できます。');
    await expect(page.getByTestId('network-details').locator('li')).toHaveCount(6);
    await page.getByTestId('network-check').screenshot({ path: test.info().outputPath('network-check-console.png') });
    await expect.poll(() => rig.server.sfuTotals(), { timeout: 15_000 }).toMatchObject({ routers: 0, transports: 0 });
  } finally {
    await rig.close();
  }
});

/** A detail line saying the way connected, with its round trip from the selected ICE pair. */
function connected(target: string) {
  return expect.stringMatching(new RegExp(`^${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ○ つながります（応答 \\d+ ms）$`));
}
