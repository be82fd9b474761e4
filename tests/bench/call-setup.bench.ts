/**
 * Call set-up (issue 15): from the operator's 応答 click to the first decoded video frame on each
 * side, over CALL_SETUP_RUNS calls between a tablet and a 税務課 operator on loopback (real Chromium,
 * fake cameras, the built server, one kiosk page for all the calls as at a booth). Each page marks the first frame of the remote videos with
 * requestVideoFrameCallback; the click and the marks are on the same wall clock.
 *
 *   npx tsx tests/bench/call-setup.bench.ts      (CALL_SETUP_RUNS=10, CALL_SETUP_RING_MS=0)
 *
 * CALL_SETUP_RING_MS: how long the operator lets the offer ring before 応答 (0: clicked as soon as it
 * shows, the measurement; an operator at a desk takes a second or two).
 *
 * Prints figures; asserts nothing about time.
 */
import os from 'node:os';
import type { Page } from '@playwright/test';
import { openConsole, openTablet } from '../e2e/support/call.ts';
import { residentEnds, startFaultRig, consultationOnScreen } from '../e2e/support/faults.ts';

const RUNS = Number(process.env.CALL_SETUP_RUNS ?? 10);
const RING_MS = Number(process.env.CALL_SETUP_RING_MS ?? 0);
const TARGETS_MS = { operatorFace: 400, tabletOperator: 500 };
/** The remote videos each side waits for, by test id. */
const OPERATOR_VIDEOS = ['remote-video-face', 'remote-video-document'];
const TABLET_VIDEOS = ['remote-video-operator-cam'];

/**
 * In the page: record the wall-clock time of the first frame each listed <video> presents, as the
 * elements appear (they are created when the call screen mounts, after the click).
 */
async function markFirstFrames(page: Page, testIds: string[]): Promise<void> {
  // A string, not a function: tsx's name helpers do not exist in the page.
  await page.evaluate(`(() => {
    const ids = ${JSON.stringify(testIds)};
    const marks = (window.__firstFrames = {});
    const shown = (window.__videosShown = {});
    const watched = new WeakSet();
    const watch = () => {
      for (const id of ids) {
        const video = document.querySelector('[data-testid="' + id + '"]');
        if (!video || watched.has(video)) continue;
        watched.add(video);
        shown[id] ??= Date.now();
        video.requestVideoFrameCallback(() => { marks[id] ??= Date.now(); });
      }
    };
    new MutationObserver(watch).observe(document.body, { childList: true, subtree: true });
    watch();
  })()`);
}

async function firstFrames(page: Page, testIds: string[], timeoutMs = 20_000): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const marks = (await page.evaluate('window.__firstFrames')) as Record<string, number>;
    if (testIds.every((id) => marks[id] !== undefined) || Date.now() > deadline) return marks;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const rig = await startFaultRig({ routing: { wrapUpSeconds: 0 } });
const samples = { operatorFace: [] as number[], operatorDocument: [] as number[], tabletOperator: [] as number[], operatorVideoShown: [] as number[] };
try {
  const operator = await openConsole(rig.consoleBrowser, rig.server, 'tax1');
  // One kiosk page for every call, as at a booth, where the page stays loaded all day.
  const tablet = await openTablet(rig.tabletBrowser, rig.server, '清滝郵便局');
  for (let run = 1; run <= RUNS; run++) {
    await tablet.getByTestId('department-tax').click({ timeout: 30_000 });
    await tablet.getByTestId('waiting-screen').waitFor();
    await operator.getByTestId('incoming-offer').waitFor();
    await Promise.all([markFirstFrames(operator, OPERATOR_VIDEOS), markFirstFrames(tablet, TABLET_VIDEOS)]);
    await new Promise((resolve) => setTimeout(resolve, RING_MS));
    const answeredAt = Date.now();
    await operator.getByTestId('accept-offer').click();
    const [atOperator, atTablet] = await Promise.all([firstFrames(operator, OPERATOR_VIDEOS), firstFrames(tablet, TABLET_VIDEOS)]);
    const faceShown = (await operator.evaluate('window.__videosShown')) as Record<string, number>;
    const since = (mark: number | undefined) => (mark === undefined ? NaN : mark - answeredAt);
    const run_ = {
      operatorFace: since(atOperator['remote-video-face']),
      operatorDocument: since(atOperator['remote-video-document']),
      tabletOperator: since(atTablet['remote-video-operator-cam']),
    };
    for (const key of Object.keys(run_) as (keyof typeof run_)[]) if (Number.isFinite(run_[key])) samples[key].push(run_[key]);
    const mounted = since(faceShown['remote-video-face']);
    if (Number.isFinite(mounted)) samples.operatorVideoShown.push(mounted);
    console.log(
      `call ${run}: operator sees the face ${run_.operatorFace} ms (its <video> in the page at ${mounted} ms), the document ${run_.operatorDocument} ms; tablet sees the operator ${run_.tabletOperator} ms`,
    );
    await residentEnds(rig.server, { tablet, operator, consultationId: await consultationOnScreen(tablet) });
    await tablet.getByTestId('rating-5').click();
    await tablet.getByTestId('rating-send').click();
  }
} finally {
  await rig.close();
}

const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
console.log(`\ncall set-up: 応答 → first decoded frame, median of ${RUNS} calls on loopback, 応答 ${RING_MS} ms after the offer showed`);
console.log(`machine: ${cpu} × ${os.cpus().length} cores, node ${process.version}`);
const line = (label: string, values: number[], target?: number) =>
  console.log(
    `  ${label.padEnd(28)} median ${values.length ? median(values).toFixed(0) : '—'} ms  (min ${Math.min(...values)}, max ${Math.max(...values)}; ${values.length}/${RUNS} calls)` +
      (target ? `  target ≤ ${target} ms${values.length && median(values) <= target ? ', met' : ', not met'}` : ''),
  );
line('operator: face <video> shown', samples.operatorVideoShown);
line('operator: resident face', samples.operatorFace, TARGETS_MS.operatorFace);
line('operator: resident document', samples.operatorDocument);
line('tablet: operator camera', samples.tabletOperator, TARGETS_MS.tabletOperator);
