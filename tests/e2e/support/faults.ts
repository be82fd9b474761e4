import { chromium, expect, type Browser, type Page } from '@playwright/test';
import type { RoutingSettings } from '@madoguchi/protocol';
import { connectCall, openConsole, openTablet } from './call.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, treatAsSecure } from './chromium.ts';
import { trustAuthorityFlag } from './authority.ts';
import { createNetNamespace, type NetNamespace } from './netns.ts';
import { startServer, type RunningServer } from './server.ts';
import { mediaPaths, outboundVideo, waitForMediaFlowing, waitForMediaStopped, type FlowExpectation } from './webrtcStats.ts';

/**
 * Real faults in real calls (issue 9), shared by tests/e2e/faults.spec.ts (assertions) and
 * tests/bench/recovery.bench.ts (figures): the tablet's Chromium runs in its own network namespace
 * (support/netns.ts) so its network can be cut; the server and its media workers listen on the
 * namespace's root-side address, which the operator's Chromium in the root namespace reaches locally.
 */

/** What each side receives in a one-to-one call: the operator the resident's face, document and voice; the tablet the operator's camera and voice. */
export const OPERATOR_FLOW: FlowExpectation = { video: 2, audio: 1 };
export const TABLET_FLOW: FlowExpectation = { video: 1, audio: 1 };
/** What the console receives from a booth without a document camera: the face and the voice. */
export const FACE_ONLY_FLOW: FlowExpectation = { video: 1, audio: 1 };

export interface FaultRig {
  server: RunningServer;
  net: NetNamespace;
  /** Chromium inside the namespace: the booth tablets. */
  tabletBrowser: Browser;
  /** Chromium in the root namespace: the operators' consoles. */
  consoleBrowser: Browser;
  /** Close both browsers, stop the server (and any media worker left), remove the namespace. Never throws. */
  close(): Promise<void>;
}

export interface RigOptions {
  /** Extra server environment (README configuration table), e.g. MEDIA_WORKERS or RESUME_WINDOW_TABLET_SECONDS. */
  settings?: Record<string, string>;
  routing?: Partial<RoutingSettings>;
}

/** Everything a fault test needs; whatever was made is undone if a later step fails. */
export async function startFaultRig({ settings = {}, routing = { wrapUpSeconds: 0 } }: RigOptions = {}): Promise<FaultRig> {
  const undo: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (error) {
        console.warn('[fault rig] cleanup step failed:', error);
      }
    }
    undo.length = 0;
  };
  try {
    const net = createNetNamespace();
    undo.push(() => net.dispose());
    const server = await startServer(settings, { host: net.hostIp, routing });
    undo.push(() => server.stop());
    // Over HTTPS (TLS=local) both browsers trust the run's CA, as a city's tablets trust its own.
    const args = [...CHROMIUM_ARGS, server.url.startsWith('https:') ? trustAuthorityFlag() : treatAsSecure(server.url)];
    const tabletBrowser = await chromium.launch({ executablePath: net.chromiumPath, args });
    undo.push(() => tabletBrowser.close());
    const consoleBrowser = await chromium.launch({ executablePath: CHROMIUM_PATH, args });
    undo.push(() => consoleBrowser.close());
    return { server, net, tabletBrowser, consoleBrowser, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface LiveCall {
  tablet: Page;
  operator: Page;
  consultationId: string;
  /** What the console decodes while the call is well: the resident's voice, face and (if the booth has one) document camera. */
  operatorFlow: FlowExpectation;
}

/** A resident at 清滝郵便局 calls 税務課 and tax1 answers; resolves once media flows both ways. */
export async function startCall(
  rig: Pick<FaultRig, 'server' | 'tabletBrowser' | 'consoleBrowser'>,
  {
    operator: username = 'tax1',
    site = '清滝郵便局',
    documentCamera = true,
    operatorFlow = documentCamera ? OPERATOR_FLOW : FACE_ONLY_FLOW,
  }: { operator?: string; site?: string; documentCamera?: boolean; operatorFlow?: FlowExpectation } = {},
): Promise<LiveCall> {
  const operator = await openConsole(rig.consoleBrowser, rig.server, username);
  const tablet = await openTablet(rig.tabletBrowser, rig.server, site, { documentCamera });
  await connectCall(tablet, operator, 'tax');
  const consultationId = await consultationOnScreen(tablet);
  try {
    await Promise.all([
      waitForMediaFlowing(operator, operatorFlow, { timeoutMs: 30_000 }),
      waitForMediaFlowing(tablet, TABLET_FLOW, { timeoutMs: 30_000 }),
    ]);
  } catch (error) {
    // Whether the tablet still encodes what the console stopped receiving. Twice in CI the console
    // got 17 frames and then nothing: the second time this said the tablet's encoders had stalled
    // ("limited by bandwidth") while its audio flowed — a send-side stall, not yet understood (the
    // tablet now rejoins after 6 s of it: SendStallWatch). And whether the SFU's reports still reach
    // it, and what its congestion control allows.
    const sent = await outboundVideo(tablet).catch(() => []);
    const encodings = sent.map(
      (e) => `${e.rid ?? '-'} ${e.frameWidth}x${e.frameHeight} encoded=${e.framesEncoded} bytes=${e.bytesSent} limited by ${e.qualityLimitationReason} receiver reports=${e.receiverReports}`,
    );
    const paths = (await mediaPaths(tablet).catch(() => [])).map(
      (p) => `${p.localType}/${p.protocol}→${p.remoteType} rtt=${p.rttMs ?? '?'} ms estimate=${p.availableOutgoingKbps ?? '?'} kbps received=${p.bytesReceived ?? '?'} bytes`,
    );
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n  the tablet sends: ${encodings.join('; ') || 'nothing'}\n  its paths: ${paths.join('; ') || 'none connected'}`);
  }
  return { tablet, operator, consultationId, operatorFlow };
}

/** The consultation id the page's call screen shows (kiosk and console both carry data-consultation-id). */
export async function consultationOnScreen(page: Page, timeout = 20_000): Promise<string> {
  const screen = page.getByTestId('call-screen');
  await expect(screen).toBeVisible({ timeout });
  const id = await screen.getAttribute('data-consultation-id');
  if (!id) throw new Error('call screen without data-consultation-id');
  return id;
}

/** The resident presses 終了する: the survey shows and the record says completed by the resident. */
export async function residentEnds(server: RunningServer, call: Pick<LiveCall, 'tablet' | 'operator' | 'consultationId'>): Promise<void> {
  await call.tablet.getByTestId('end-button').click({ timeout: 10_000 });
  await expect(call.tablet.getByTestId('rating-screen')).toBeVisible({ timeout: 10_000 });
  await expect(call.operator.getByTestId('call-screen')).toBeHidden({ timeout: 10_000 });
  await expect.poll(() => consultationRow(server, call.consultationId)?.outcome ?? null, { timeout: 10_000 }).toBe('completed');
  expect(consultationRow(server, call.consultationId)?.endedBy).toBe('resident');
}

/**
 * What each screen says about the connection, polled until stop(): the transitions with the time
 * since `since`, to show when (and whether) each side noticed a fault.
 */
export function watchScreens(pages: Record<string, Page>, since: number): { stop(): Promise<string[]> } {
  const timeline: string[] = [];
  const last = new Map<string, string>();
  let running = true;
  const poll = async () => {
    // Also ends by itself once every page is closed (a test that failed before calling stop()).
    while (running && Object.values(pages).some((page) => !page.isClosed())) {
      for (const [name, page] of Object.entries(pages)) {
        const state = await page
          .evaluate(() => {
            const q = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
            const screen = ['call-screen', 'rating-screen', 'waiting-screen', 'home-screen', 'thanks-screen'].find((id) => q(id)) ?? 'other';
            const parts = [screen];
            const kiosk = q('connection-state')?.dataset.state;
            if (kiosk) parts.push(`ice=${kiosk}`);
            const quality = q('connection-state')?.dataset.quality;
            if (quality) parts.push(`quality=${quality}`);
            const header = q('connection-state')?.className.match(/connection-(\w+)/)?.[1];
            if (header) parts.push(`socket=${header}`);
            const media = q('call-connection')?.textContent;
            if (media) parts.push(`media="${media.trim()}"`);
            if (q('offline-banner')) parts.push('offline-banner');
            const notice = q('notice')?.textContent;
            if (notice) parts.push(`notice="${notice.trim().slice(0, 60)}"`);
            return parts.join(' ');
          })
          .catch(() => 'navigating');
        if (last.get(name) !== state) {
          last.set(name, state);
          timeline.push(`+${((Date.now() - since) / 1000).toFixed(1)}s ${name}: ${state}`);
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const done = poll();
  return {
    async stop() {
      running = false;
      await done;
      return timeline;
    },
  };
}

export interface Recovery {
  fault: string;
  /** From the fault's end (network back, kill, reload) to media decoding again on each side; null: not within the timeout. */
  tabletMs: number | null;
  operatorMs: number | null;
  /** Why a side did not recover (the wait's error). */
  errors: string[];
  /** How long after the cut the operator's inbound media stopped (proves the cut is real). */
  stoppedMs?: number;
  /** What the screens showed, with times. */
  timeline: string[];
}

/** Both sides' time to media flowing again from `since`, each null when it did not within `timeoutMs`. */
export async function measureRecovery(call: LiveCall, since: number, timeoutMs: number): Promise<Pick<Recovery, 'tabletMs' | 'operatorMs' | 'errors'>> {
  const errors: string[] = [];
  const side = (page: Page, want: FlowExpectation, name: string) =>
    waitForMediaFlowing(page, want, { since, timeoutMs }).catch((error: Error) => {
      errors.push(`${name}: ${error.message}`);
      return null;
    });
  const [tabletMs, operatorMs] = await Promise.all([side(call.tablet, TABLET_FLOW, 'tablet'), side(call.operator, call.operatorFlow, 'operator')]);
  return { tabletMs, operatorMs, errors };
}

/** Cut the tablet's whole network for `seconds`, restore it, and measure recovery from the moment it is back. */
export async function cutTabletNetwork(rig: FaultRig, call: LiveCall, seconds: number, timeoutMs = 30_000): Promise<Recovery> {
  const cutAt = Date.now();
  const watch = watchScreens({ tablet: call.tablet, operator: call.operator }, cutAt);
  let stoppedMs: number | undefined;
  let since: number;
  try {
    rig.net.cut();
    stoppedMs = await waitForMediaStopped(call.operator, { since: cutAt, timeoutMs: Math.min(seconds * 1000, 10_000) }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, Math.max(0, cutAt + seconds * 1000 - Date.now())));
  } finally {
    rig.net.restore();
    since = Date.now();
  }
  const recovery = await measureRecovery(call, since, timeoutMs);
  return { fault: `tablet network cut ${seconds} s`, ...recovery, stoppedMs, timeline: await watch.stop() };
}

/** Reload a page mid-call (the tablet's or the console's) and measure from the reload. */
export async function reloadMidCall(call: LiveCall, which: 'tablet' | 'operator', timeoutMs = 30_000): Promise<Recovery> {
  const since = Date.now();
  const watch = watchScreens({ tablet: call.tablet, operator: call.operator }, since);
  await call[which].reload();
  const recovery = await measureRecovery(call, since, timeoutMs);
  return { fault: `${which === 'tablet' ? 'tablet' : 'console'} page reload`, ...recovery, timeline: await watch.stop() };
}

/** `kill -9` of the mediasoup worker that hosts the call, measured from the kill. */
export async function killCallWorker(rig: FaultRig, call: LiveCall, timeoutMs = 30_000): Promise<Recovery & { pid: number }> {
  const since = Date.now();
  const watch = watchScreens({ tablet: call.tablet, operator: call.operator }, since);
  const pid = await rig.server.killWorkerHosting(call.consultationId);
  const recovery = await measureRecovery(call, since, timeoutMs);
  return { fault: 'kill -9 media worker', pid, ...recovery, timeline: await watch.stop() };
}

/** `kill -9` of the server, restarted at once on the same port and database; measured from the kill. */
export async function crashServer(rig: FaultRig, call: LiveCall, timeoutMs = 30_000): Promise<Recovery & { restartMs: number }> {
  const since = Date.now();
  const watch = watchScreens({ tablet: call.tablet, operator: call.operator }, since);
  await rig.server.crash();
  await rig.server.restart();
  const restartMs = Date.now() - since;
  const recovery = await measureRecovery(call, since, timeoutMs);
  return { fault: 'kill -9 server + restart', restartMs, ...recovery, timeline: await watch.stop() };
}

/** One line for the logs: `[recovery] <fault>: tablet 1.2 s, operator 1.4 s`. */
export function describeRecovery(recovery: Recovery): string {
  const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'not recovered' : `${(ms / 1000).toFixed(1)} s`);
  const extra = recovery.stoppedMs !== undefined ? ` (operator's media stopped ${s(recovery.stoppedMs)} after the cut)` : '';
  return `[recovery] ${recovery.fault}: tablet ${s(recovery.tabletMs)}, operator ${s(recovery.operatorMs)}${extra}`;
}

/** The consultation's events (type and parsed data), oldest first. */
export function eventsOf(server: RunningServer, consultationId: string): { type: string; data: Record<string, unknown> | null }[] {
  return server
    .query<{ type: string; data: string | null }>('SELECT type, data FROM ConsultationEvent WHERE consultationId = ? ORDER BY id', consultationId)
    .map((event) => ({ type: event.type, data: event.data ? (JSON.parse(event.data) as Record<string, unknown>) : null }));
}

export function consultationRow(server: RunningServer, consultationId: string) {
  const [row] = server.query<{ id: string; endedAt: number | null; outcome: string | null; endedBy: string | null; requestedAt: number }>(
    'SELECT id, endedAt, outcome, endedBy, requestedAt FROM Consultation WHERE id = ?',
    consultationId,
  );
  return row;
}
