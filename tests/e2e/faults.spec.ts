import { expect, test, type Page } from '@playwright/test';
import { openConsole, openTablet } from './support/call.ts';
import { flowingStreams, sampleGrowth, waitForMediaFlowing } from './support/webrtcStats.ts';
import {
  consultationOnScreen,
  consultationRow,
  crashServer,
  cutTabletNetwork,
  describeRecovery,
  eventsOf,
  FACE_ONLY_FLOW,
  killCallWorker,
  reloadMidCall,
  residentEnds,
  startCall,
  startFaultRig,
  TABLET_FLOW,
  watchScreens,
  type FaultRig,
  type LiveCall,
  type Recovery,
  type RigOptions,
} from './support/faults.ts';

/**
 * Issue 9, "a call survives the field": real faults injected into real calls — the tablet's whole
 * network cut (its Chromium runs in its own network namespace), page reloads, `kill -9` of the media
 * worker and of the server — and recovery proven from both browsers' getStats() (frames decoded and
 * audio samples received rising again) and from the consultation's record. Each test prints its
 * measured recovery time ("[recovery] …") and what the screens showed while it happened.
 */

/** Soft polls: a failed point is reported and the test goes on, so one run tells everything that is missing. */
const softly = expect.configure({ soft: true });

/** A rig (namespace, server on its address, two browsers) for one test, always torn down. */
async function withRig(options: RigOptions, body: (rig: FaultRig) => Promise<void>): Promise<void> {
  const rig = await startFaultRig(options);
  try {
    await body(rig);
  } finally {
    await rig.close();
  }
}

/**
 * The acceptance's recovery times (3 s, 5 s) are performance figures: printed here against their
 * target and measured by `npm run bench`, not failed on a loaded CI machine (the brief: no timed tests
 * that flake). What fails the test is media not decoding again at all within the measurement window.
 */
function compareWithTarget(recovery: Recovery, what: string, targetMs: number): void {
  for (const [side, ms] of [['tablet', recovery.tabletMs], ['operator', recovery.operatorMs]] as const) {
    const figure = ms == null ? 'not recovered' : `${(ms / 1000).toFixed(1)} s`;
    console.log(`[target] ${recovery.fault}: ${side} decodes again ${figure} after ${what} (target ≤ ${targetMs / 1000} s${ms != null && ms <= targetMs ? ', met' : ', MISSED'})`);
  }
}

function report(recovery: Recovery): void {
  console.log(describeRecovery(recovery));
  console.log(`[screens] ${recovery.fault}\n  ${recovery.timeline.join('\n  ')}`);
  for (const error of recovery.errors) console.log(`[not recovered] ${error}`);
}

/** The streams that carry media on the page over `ms`. */
async function flowOver(page: Page, ms: number): Promise<{ video: number; audio: number }> {
  const pairs = await sampleGrowth(page, ms);
  return flowingStreams(
    pairs.map((pair) => pair.before),
    pairs.map((pair) => pair.after),
  );
}

/** Both screens still show the same consultation, the tablet has not gone on to the survey, the row is open. */
async function sameConsultationContinues(rig: FaultRig, call: LiveCall): Promise<void> {
  expect.soft(await consultationOnScreen(call.tablet, 5_000).catch(() => 'no call screen'), 'tablet shows the same consultation').toBe(call.consultationId);
  expect.soft(await consultationOnScreen(call.operator, 5_000).catch(() => 'no call screen'), 'console shows the same consultation').toBe(call.consultationId);
  await expect.soft(call.tablet.getByTestId('rating-screen'), 'no rating screen on the tablet').toBeHidden();
  expect.soft(consultationRow(rig.server, call.consultationId)?.endedAt ?? null, 'the consultation has not ended').toBeNull();
}

for (const seconds of [5, 30]) {
  test(`tablet network cut for ${seconds} s (socket and media): the same consultation continues, media decodes again ≤ 3 s after the network returns`, async () => {
    test.setTimeout(90_000 + seconds * 1000);
    await withRig({}, async (rig) => {
      const call = await startCall(rig);
      const recovery = await cutTabletNetwork(rig, call, seconds);
      report(recovery);
      expect(recovery.stoppedMs, 'the cut really stopped the media at the operator').toBeDefined();
      expect.soft(recovery.errors, 'both sides decode again').toEqual([]);
      compareWithTarget(recovery, 'the network returns', 3_000);
      await sameConsultationContinues(rig, call);

      await softly
        .poll(() => eventsOf(rig.server, call.consultationId).map((event) => event.type), { timeout: 5_000 })
        .toEqual(expect.arrayContaining(['connection_lost', 'reconnected']));
      const events = eventsOf(rig.server, call.consultationId);
      console.log(`[record] network cut ${seconds} s:`, events.map((event) => (event.data ? `${event.type} ${JSON.stringify(event.data)}` : event.type)));
      const reconnected = events.find((event) => event.type === 'reconnected');
      expect.soft(reconnected?.data?.gapMs, 'reconnected carries the gap').toEqual(expect.any(Number));
      expect.soft(Number(reconnected?.data?.gapMs ?? 0), 'the gap is at most the cut plus detection').toBeLessThanOrEqual((seconds + 15) * 1000);
      await residentEnds(rig.server, call);
    });
  });
}

test('tablet cut longer than its resume window: both screens say the call was lost; the record says failed, by the system, tablet_disconnected', async () => {
  test.setTimeout(120_000);
  const windowSeconds = 8;
  await withRig({ settings: { RESUME_WINDOW_TABLET_SECONDS: String(windowSeconds) } }, async (rig) => {
    // What this judges is the screens and the record, so face and voice are enough (CI: with the fake
    // 4K document camera encoded in software the face never reached the console before the cut).
    const call = await startCall(rig, { documentCamera: false });
    const cutAt = Date.now();
    const watch = watchScreens({ tablet: call.tablet, operator: call.operator }, cutAt);
    let endedOnConsoleMs: number | null = null;
    try {
      rig.net.cut();
      // The server has to notice the loss, then wait out the window; the console says so in words.
      await expect(call.operator.getByTestId('call-screen')).toBeHidden({ timeout: 60_000 });
      endedOnConsoleMs = Date.now() - cutAt;
      await expect(call.operator.getByTestId('notice')).toContainText(/通信|接続/);
    } finally {
      rig.net.restore();
    }
    // Back on the network, the tablet learns the call is over and says so, without a survey.
    await expect(call.tablet.getByTestId('notice')).toBeVisible({ timeout: 20_000 });
    await expect(call.tablet.getByTestId('notice')).toContainText('通信');
    await expect(call.tablet.getByTestId('rating-screen')).toBeHidden();
    const timeline = await watch.stop();
    console.log(`[recovery] tablet cut beyond a ${windowSeconds} s resume window: call ended on the console ${((endedOnConsoleMs ?? 0) / 1000).toFixed(1)} s after the cut`);
    console.log(`[screens] resume window exceeded\n  ${timeline.join('\n  ')}`);

    await expect.poll(() => consultationRow(rig.server, call.consultationId)?.outcome ?? null).toBe('failed');
    expect(consultationRow(rig.server, call.consultationId)?.endedBy).toBe('system');
    const events = eventsOf(rig.server, call.consultationId);
    console.log('[record] resume window exceeded:', events.map((event) => (event.data ? `${event.type} ${JSON.stringify(event.data)}` : event.type)));
    expect(events.map((event) => event.type)).toContain('connection_lost');
    expect(events.some((event) => event.data?.reason === 'tablet_disconnected'), 'the reason names the tablet').toBe(true);
  });
});

for (const { page, boundMs } of [
  { page: 'tablet', boundMs: 5_000 },
  { page: 'operator', boundMs: 3_000 },
] as const) {
  const name = page === 'tablet' ? 'tablet' : 'console';
  test(`${name} page reload mid-call: the same consultation, media back ≤ ${boundMs / 1000} s`, async () => {
    test.setTimeout(120_000);
    await withRig({}, async (rig) => {
      const call = await startCall(rig);
      const recovery = await reloadMidCall(call, page);
      report(recovery);
      expect.soft(recovery.errors, 'both sides decode again').toEqual([]);
      compareWithTarget(recovery, 'the reload', boundMs);
      await sameConsultationContinues(rig, call);
      await residentEnds(rig.server, call);
    });
  });
}

test('the tablet’s video encoders stuck while its microphone flows (the send-side stall CI saw): it joins the room again by itself, the console sees the resident again, same consultation', async () => {
  test.setTimeout(120_000);
  await withRig({}, async (rig) => {
    const call = await startCall(rig, { documentCamera: false });
    const said: string[] = [];
    call.tablet.on('console', (message) => said.push(message.text()));
    // As in CI: the encoders turn out nothing more while the camera delivers and the microphone goes
    // on, on the same connection (here: the video senders' encodings made inactive behind the app's back).
    const stuckAt = Date.now();
    const stopped = await call.tablet.evaluate(async () => {
      let senders = 0;
      for (const connection of (window as unknown as { __sfuConnections: RTCPeerConnection[] }).__sfuConnections) {
        for (const sender of connection.getSenders()) {
          if (sender.track?.kind !== 'video') continue;
          const parameters = sender.getParameters();
          for (const encoding of parameters.encodings) encoding.active = false;
          await sender.setParameters(parameters);
          senders += 1;
        }
      }
      return senders;
    });
    expect(stopped, 'the face camera’s sender').toBe(1);
    // The console's picture of the resident stops, the voice goes on.
    await expect.poll(() => flowOver(call.operator, 1_500), { timeout: 10_000 }).toEqual({ video: 0, audio: 1 });
    // The tablet notices and joins the room again: the face comes back at the console.
    const backMs = await waitForMediaFlowing(call.operator, FACE_ONLY_FLOW, { timeoutMs: 40_000, since: stuckAt });
    console.log(`[recovery] send-side stall: the console decodes the face again ${(backMs / 1000).toFixed(1)} s after the encoders stopped`);
    expect(said.some((line) => line.includes('our video encoders have sent nothing')), 'the tablet says why it joined again').toBe(true);
    await waitForMediaFlowing(call.tablet, TABLET_FLOW, { timeoutMs: 20_000 });
    await sameConsultationContinues(rig, call);
    const events = eventsOf(rig.server, call.consultationId);
    console.log('[record] send-side stall:', events.map((event) => (event.data ? `${event.type} ${JSON.stringify(event.data)}` : event.type)));
    // The record says what happened: the resident's media lost, and back by a rejoin.
    expect.soft(events.find((event) => event.type === 'connection_lost')?.data).toMatchObject({ party: 'resident', via: 'media' });
    expect.soft(events.find((event) => event.type === 'reconnected')?.data).toMatchObject({ party: 'resident', how: 'rejoin' });
    await residentEnds(rig.server, call);
  });
});

test('kill -9 of the media worker hosting the call: media back on both sides ≤ 5 s in the same consultation, media_restarted on record, completed at 終了する', async () => {
  test.setTimeout(120_000);
  await withRig({ settings: { MEDIA_WORKERS: '2' } }, async (rig) => {
    const call = await startCall(rig);
    const recovery = await killCallWorker(rig, call);
    report(recovery);
    // The kill was real: that process is gone, and the call now lives on another worker.
    expect((await rig.server.sfuWorkers()).some((worker) => worker.pid === recovery.pid && !worker.failed)).toBe(false);
    expect.soft(recovery.errors, 'both sides decode again').toEqual([]);
    compareWithTarget(recovery, 'the kill', 5_000);
    await sameConsultationContinues(rig, call);
    const host = (await rig.server.sfuWorkers()).find((worker) => worker.roomIds.includes(call.consultationId));
    expect.soft(host?.pid, 'a live worker hosts the call again').toEqual(expect.any(Number));
    expect.soft(host?.pid).not.toBe(recovery.pid);
    await softly.poll(() => eventsOf(rig.server, call.consultationId).map((event) => event.type), { timeout: 5_000 }).toContain('media_restarted');
    await residentEnds(rig.server, call);
    console.log('[record] worker killed:', eventsOf(rig.server, call.consultationId).map((event) => event.type));
  });
});

test('kill -9 of the server, restarted at once: everyone reconnects by themselves, the live call resumes, three queued residents keep their order and request times', async () => {
  // A call, three more tablets, a restart (19.7 s once in CI) and its recovery, each step bounded by
  // its own timeout: together they passed 180 s on a loaded machine.
  test.setTimeout(300_000);
  await withRig({ routing: { wrapUpSeconds: 0, ringTimeoutSeconds: 90 } }, async (rig) => {
    // Face and voice: every source is sent again by the same path after a rejoin (the worker kill
    // above proves it with the document camera). With the fake 4K document camera, encoded in
    // software, the face once never reached the console before the crash.
    const call = await startCall(rig, { documentCamera: false });
    // 福祉課's operator is 離席中 while three residents queue for it.
    const welfare = await openConsole(rig.consoleBrowser, rig.server, 'welfare1');
    await welfare.getByTestId('presence-away').click();
    await expect(welfare.getByTestId('presence-away')).toHaveAttribute('aria-pressed', 'true');
    const sites = ['江川出張所', '中央公民館', '移動窓口1号車'];
    const queued: Page[] = [];
    for (const site of sites) {
      const tablet = await openTablet(rig.tabletBrowser, rig.server, site);
      await tablet.getByTestId('department-welfare').click();
      await expect(tablet.getByTestId('waiting-screen')).toBeVisible();
      queued.push(tablet);
    }
    for (const [index, tablet] of queued.entries()) {
      await expect(tablet.getByTestId('queue-position')).toHaveAttribute('data-position', String(index + 1));
    }
    const waitingRows = () =>
      rig.server.query<{ id: string; requestedAt: number; endedAt: number | null; site: string }>(
        `SELECT c.id, c.requestedAt, c.endedAt, s.name AS site FROM Consultation c JOIN Site s ON s.id = c.siteId
         JOIN Department d ON d.id = c.departmentId WHERE d.code = 'welfare' ORDER BY c.requestedAt`,
      );
    // The rows are written by the recorder's thread a few milliseconds after each ack (longer when the
    // thread starts again after being idle on a loaded machine): the crash comes once all three are in.
    await expect.poll(() => waitingRows().map((row) => row.site), { timeout: 10_000 }).toEqual(sites);
    const before = waitingRows();

    // Issue 9 asks for reconnection with no human action, not a time: with a restart that takes
    // 20–25 s while this machine's two browsers hold both cores, media has a minute after it.
    const recovery = await crashServer(rig, call, 60_000);
    report(recovery);
    console.log(`[recovery] server back (kill -9 → health) in ${(recovery.restartMs / 1000).toFixed(1)} s`);
    // How fast the process itself starts (TypeScript through a loader, a mediasoup worker) is the
    // machine's and issue 15's; what is asserted is what the clients and the record do once it is up.
    expect.soft(recovery.errors, 'the live call decodes again on both sides').toEqual([]);
    await sameConsultationContinues(rig, call);

    // Nobody pressed anything: the consoles are connected again, the queue is as it was.
    await expect.soft(welfare.getByTestId('connection-state')).toHaveClass(/connection-connected/, { timeout: 10_000 });
    for (const [index, tablet] of queued.entries()) {
      await expect.soft(tablet.getByTestId('waiting-screen'), `${sites[index]} still waiting`).toBeVisible({ timeout: 5_000 });
      await expect.soft(tablet.getByTestId('queue-position'), `${sites[index]} keeps place ${index + 1}`).toHaveAttribute('data-position', String(index + 1), { timeout: 5_000 });
    }
    const after = waitingRows();
    expect.soft(after.map((row) => ({ id: row.id, requestedAt: row.requestedAt, endedAt: row.endedAt })), 'same rows, same request times, still open').toEqual(
      before.map((row) => ({ id: row.id, requestedAt: row.requestedAt, endedAt: null })),
    );
    // 受付可: the first of them rings first.
    await welfare.getByTestId('presence-available').click();
    await expect.soft(welfare.getByTestId('incoming-offer')).toContainText(sites[0]!, { timeout: 15_000 });

    await residentEnds(rig.server, call);
  });
});
