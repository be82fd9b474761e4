import type { ShareDisplay } from '@madoguchi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeCall } from './callFlow.ts';
import { nextEvent, startTestServer, type TestServer } from './harness.ts';

/**
 * Issue 16, item 4: the tablet says how large it draws what the operator shows, and the operators of
 * the call are told, so the console's preview says what the resident can read.
 */
describe('how the tablet draws what the operator shows', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('reaches the operators of the call; only the call’s tablet may say it, and only in shape', async () => {
    const call = await placeCall(t, { site: '清滝郵便局', operator: 'tax1', department: 'tax' });
    const { consultationId } = call;
    const display: ShareDisplay = { source: 'operator-document', drawnWidth: 764, drawnHeight: 430, frameWidth: 1920, frameHeight: 1080, enlarged: false, zoom: 1 };

    const told = nextEvent(call.operator, 'call:shareDisplayed');
    await call.device.request('share:displayed', { consultationId, display });
    expect(await told).toEqual({ consultationId, display });

    await expect(call.operator.request('share:displayed', { consultationId, display })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const stranger = await t.connect(await t.deviceToken('江川出張所'));
    await expect(stranger.request('share:displayed', { consultationId, display })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const wrong of [{ ...display, drawnWidth: -1 }, { ...display, zoom: 100 }, { ...display, source: 'face' }]) {
      await expect(call.device.request('share:displayed', { consultationId, display: wrong as ShareDisplay })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }

    await call.device.request('consultation:end', { consultationId });
    for (const client of [call.device, call.operator, stranger]) client.close();
  });
});
