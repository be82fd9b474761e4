import { expect, test } from '@playwright/test';
import { connectCall, openConsole, openTablet } from './support/call.ts';
import { startCluster, type RunningCluster } from './support/cluster.ts';
import { OPERATOR_FLOW, TABLET_FLOW, consultationOnScreen } from './support/faults.ts';
import { waitForMediaFlowing, waitForMediaStopped } from './support/webrtcStats.ts';

/**
 * The cluster mode: two signaling nodes (real processes of the built server) sharing a real
 * PostgreSQL and Redis. Node A started first and runs the city; node B is an edge. The tablets
 * reach the cluster through a balancer that prefers A, the consoles through one that prefers B,
 * as a real balancer would spread them. Then A is killed (kill -9).
 */
let cluster: RunningCluster;
test.beforeAll(async () => {
  cluster = await startCluster(2);
});
test.afterEach(async ({ browser }, testInfo) => {
  // What each node said: why a take-over did not happen.
  if (testInfo.status !== testInfo.expectedStatus) for (const node of cluster.nodes) console.log(`[node ${node.name}]\n${node.output().slice(-6_000)}`);
  // Its tablets and consoles would go on encoding their cameras into the next spec's time.
  for (const context of browser.contexts()) await context.close();
});
test.afterAll(async () => {
  await cluster?.stop();
});

test('the node running the city is killed: the other takes it over, the call comes back in the same consultation, a waiting resident keeps their place', async ({ browser }) => {
  test.setTimeout(240_000);
  const [a, b] = cluster.nodes as [RunningCluster['nodes'][number], RunningCluster['nodes'][number]];
  const tablets = await cluster.entry(a, b);
  const consoles = await cluster.entry(b, a);

  // A call: the tablet's socket on A, the operator's on B (relayed to A), the media on A's SFU.
  const operator = await openConsole(browser, consoles, 'tax1');
  const tablet = await openTablet(browser, tablets, '清滝郵便局');
  await connectCall(tablet, operator, 'tax');
  const consultationId = await consultationOnScreen(tablet);
  await Promise.all([waitForMediaFlowing(operator, OPERATOR_FLOW, { timeoutMs: 30_000 }), waitForMediaFlowing(tablet, TABLET_FLOW, { timeoutMs: 30_000 })]);
  expect(await cluster.role(a)).toBe('owner');
  expect(await cluster.role(b)).toBe('edge');
  expect((await cluster.sfuWorkers(a)).flatMap((worker) => worker.roomIds)).toContain(consultationId);

  // A resident waits for 福祉 on another tablet; 福祉's operator is logged in (on B) but 離席中.
  const welfare = await openConsole(browser, consoles, 'welfare1', { available: false });
  await expect(welfare.getByTestId('presence-available')).toBeVisible();
  const waiting = await openTablet(browser, tablets, '江川出張所', { documentCamera: false });
  await waiting.getByTestId('department-welfare').click();
  await expect(waiting.getByTestId('queue-position')).toHaveAttribute('data-position', '1');
  // The records are written behind the acks (tens of ms, longer on a loaded machine): a crash before
  // then loses the request (CI of 885b5a5). What a take-over restores is what is in the database.
  await expect.poll(() => cluster.openConsultations(), { timeout: 10_000 }).toBe(2);

  const killedAt = Date.now();
  await a.crash();
  await waitForMediaStopped(operator, { timeoutMs: 15_000, since: killedAt });
  // B takes the lease once A's lapses, builds the city from the database, and everyone reconnects to it.
  const operatorBackMs = await waitForMediaFlowing(operator, OPERATOR_FLOW, { timeoutMs: 90_000, since: killedAt });
  const tabletBackMs = await waitForMediaFlowing(tablet, TABLET_FLOW, { timeoutMs: 90_000, since: killedAt });
  console.log(`[cluster] node A killed: media back at the console after ${operatorBackMs} ms, at the tablet after ${tabletBackMs} ms`);
  expect(await consultationOnScreen(tablet)).toBe(consultationId);
  expect(await consultationOnScreen(operator)).toBe(consultationId);
  expect(await cluster.role(b)).toBe('owner');
  expect((await cluster.sfuWorkers(b)).flatMap((worker) => worker.roomIds)).toContain(consultationId);

  // The waiting resident kept their place; the next 受付可 of 福祉 is offered them.
  await expect(waiting.getByTestId('queue-position')).toHaveAttribute('data-position', '1', { timeout: 30_000 });
  await welfare.getByTestId('presence-available').click();
  await expect(welfare.getByTestId('incoming-offer')).toContainText('江川出張所', { timeout: 20_000 });
});
