import { StillUploadResponse, type StillInfo } from '@madoguchi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeCall, waitFor, type PlacedCall } from './callFlow.ts';
import { nextEvent, startTestServer, type TestServer } from './harness.ts';
import { png } from './images.ts';

/**
 * An operator who joins a consultation under way — a specialist called in (他の課を呼ぶ), or the
 * one who answers a transfer (転送) — is handed what came before: the chat so far, the stills and
 * the handover note (引き継ぎメモ).
 */
describe('handover to the operator who joins', () => {
  let t: TestServer;
  const departmentIds: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestServer();
    for (const { id, code } of await t.db.department.findMany()) departmentIds[code] = id;
  });
  afterAll(() => t.close());

  /** The operator asks for a still and the tablet uploads one. */
  async function takeStill(call: PlacedCall, site: string): Promise<StillInfo> {
    const requested = nextEvent(call.device, 'still:requested');
    const { requestId } = await call.operator.request('still:capture', { consultationId: call.consultationId });
    await requested;
    const captured = nextEvent(call.operator, 'still:captured');
    const response = await fetch(`${t.server.url}/api/stills?${new URLSearchParams({ consultationId: call.consultationId, requestId })}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await t.deviceToken(site)}`, 'content-type': 'image/png' },
      body: new Uint8Array(png(64, 48)),
    });
    expect(response.status).toBe(201);
    await captured;
    return StillUploadResponse.parse(await response.json()).still;
  }

  /** A staff member's look at a still: its HTTP status. */
  const viewStill = async (stillId: string, username: string) =>
    (await fetch(`${t.server.url}/api/stills/${stillId}`, { headers: { authorization: `Bearer ${await t.staffToken(username)}` } })).status;

  it('gives the specialist called in the chat so far in order, the stills (which they may open) and the note', async () => {
    const call = await placeCall(t, { site: '江川出張所', operator: 'tax1', department: 'tax' });
    const { consultationId } = call;
    await call.device.request('chat:send', { consultationId, text: '住民税の通知が届きました' });
    await call.operator.request('chat:send', { consultationId, text: '通知書を書類カメラに置いてください' });
    await call.device.request('chat:send', { consultationId, text: '置きました' });
    const still = await takeStill(call, '江川出張所');
    expect(await viewStill(still.id, 'childcare1')).toBe(404); // not (yet) in this consultation

    const childcare = await t.connect(await t.staffToken('childcare1'));
    await childcare.request('presence:set', { presence: 'available' });
    const offered = nextEvent(childcare, 'offer:incoming');
    // The note is checked at the boundary: too long or blank is refused, and nothing is invited.
    await expect(call.operator.request('consultation:invite', { consultationId, departmentId: departmentIds.childcare!, note: 'あ'.repeat(501) })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(call.operator.request('consultation:invite', { consultationId, departmentId: departmentIds.childcare!, note: '   ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const note = '児童手当の申請も希望。住民税の通知書は撮影済みです。';
    await call.operator.request('consultation:invite', { consultationId, departmentId: departmentIds.childcare!, note });
    await offered;

    const joined = nextEvent(childcare, 'call:joined');
    const history = nextEvent(childcare, 'call:history');
    await childcare.request('offer:accept', { consultationId });
    await joined;
    const received = await history;
    expect(received.consultationId).toBe(consultationId);
    expect(received.chat.map(({ from, text }) => [from, text])).toEqual([
      ['resident', '住民税の通知が届きました'],
      ['operator', '通知書を書類カメラに置いてください'],
      ['resident', '置きました'],
    ]);
    expect(received.stills.map((s) => s.id)).toEqual([still.id]);
    expect(received.handoverNotes).toEqual([
      {
        purpose: 'invite',
        from: { staffId: expect.any(String), name: '税務 一郎', department: expect.objectContaining({ code: 'tax' }) },
        to: expect.objectContaining({ code: 'childcare' }),
        note,
        at: expect.any(String),
      },
    ]);
    // Now taking part, the specialist may open the still (and the look is audited).
    expect(await viewStill(still.id, 'childcare1')).toBe(200);
    expect(await t.db.auditLog.count({ where: { action: 'still.view', targetId: still.id } })).toBe(1);

    await call.device.request('consultation:end', { consultationId });
    await t.server.recorder.flush();
    const noteEvents = await t.db.consultationEvent.findMany({ where: { consultationId, type: 'handover_note' } });
    expect(noteEvents.map((event) => JSON.parse(event.data ?? '{}'))).toEqual([{ purpose: 'invite', departmentId: departmentIds.childcare, note }]);
    for (const client of [call.device, call.operator, childcare]) client.close();
  });

  it('gives the operator who answers a transfer the chat and the note; the first to answer gets no history', async () => {
    const call = await placeCall(t, { site: '清滝郵便局', operator: 'tax2', department: 'tax' });
    const { consultationId } = call;
    await call.device.request('chat:send', { consultationId, text: '介護保険のことも聞きたいです' });
    const welfare = await t.connect(await t.staffToken('welfare1'));
    await welfare.request('presence:set', { presence: 'available' });
    const offered = nextEvent(welfare, 'offer:incoming');
    await call.operator.request('consultation:transfer', { consultationId, departmentId: departmentIds.welfare!, note: '介護保険の相談です。税の話は済みました。' });
    await offered;
    const history = nextEvent(welfare, 'call:history');
    await welfare.request('offer:accept', { consultationId });
    const received = await history;
    expect(received.chat.map((message) => message.text)).toEqual(['介護保険のことも聞きたいです']);
    expect(received.stills).toEqual([]);
    expect(received.handoverNotes).toMatchObject([
      { purpose: 'transfer', from: { name: '税務 花子', department: { code: 'tax' } }, to: { code: 'welfare' }, note: '介護保険の相談です。税の話は済みました。' },
    ]);

    // The operator who answered first was sent no history: there was nothing before them.
    const placed = await placeCall(t, { site: '中央公民館', operator: 'citizen1', department: 'citizen' });
    let historyAtFirstAnswer = false;
    placed.operator.on('call:history', () => (historyAtFirstAnswer = true));
    await placed.device.request('chat:send', { consultationId: placed.consultationId, text: 'こんにちは' });
    await waitFor(async () => (await t.db.consultationEvent.count({ where: { consultationId: placed.consultationId, type: 'chat' } })) === 1);
    expect(historyAtFirstAnswer).toBe(false);

    await call.device.request('consultation:end', { consultationId });
    await placed.device.request('consultation:end', { consultationId: placed.consultationId });
    for (const client of [call.device, call.operator, welfare, placed.device, placed.operator]) client.close();
  });
});
