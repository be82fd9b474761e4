import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordDetail, ServerPayload } from '@madoguchi/protocol';
import { placeCall, waitFor } from './callFlow.ts';
import { nextEvent, startTestServer, type TestServer } from './harness.ts';

describe('chat and satisfaction, kept with the consultation', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  async function eventsOf(consultationId: string, type: string) {
    await t.server.recorder.flush();
    const rows = await t.db.consultationEvent.findMany({ where: { consultationId, type }, orderBy: { id: 'asc' } });
    return rows.map((row) => ({ actorType: row.actorType, data: JSON.parse(row.data ?? 'null') as unknown }));
  }

  it('delivers chat to both sides in one order and keeps the transcript in the record', async () => {
    const call = await placeCall(t);
    const { consultationId } = call;
    const atOperator: ServerPayload<'chat:message'>[] = [];
    const atDevice: ServerPayload<'chat:message'>[] = [];
    call.operator.on('chat:message', (m) => atOperator.push(m));
    call.device.on('chat:message', (m) => atDevice.push(m));

    const sent = await call.device.request('chat:send', { consultationId, text: '  住所変更の書類はどれですか？ ' });
    await call.operator.request('chat:send', { consultationId, text: '画面に表示します。' });
    await waitFor(() => atOperator.length === 2 && atDevice.length === 2);
    expect(atDevice).toEqual(atOperator);
    expect(atOperator.map((m) => [m.from, m.text])).toEqual([
      ['resident', '住所変更の書類はどれですか？'],
      ['operator', '画面に表示します。'],
    ]);
    expect(atOperator[0]).toMatchObject({ messageId: sent.messageId, at: sent.at });

    await expect(call.device.request('chat:send', { consultationId, text: '   ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const outsider = await t.connect(await t.deviceToken('中央公民館'));
    await expect(outsider.request('chat:send', { consultationId, text: 'hi' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await eventsOf(consultationId, 'chat')).toEqual([
      { actorType: 'device', data: { from: 'resident', text: '住所変更の書類はどれですか？' } },
      { actorType: 'staff', data: { from: 'operator', text: '画面に表示します。' } },
    ]);

    await call.device.request('consultation:end', { consultationId });
    await expect(call.device.request('chat:send', { consultationId, text: 'after' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const client of [call.device, call.operator, outsider]) client.close();
  });

  it('keeps who wrote when, but not the text, while the transcript setting is off', async () => {
    const admin = { 'content-type': 'application/json', authorization: `Bearer ${await t.staffToken('admin')}` };
    const setTranscript = (keepChatTranscript: boolean) =>
      fetch(`${t.server.url}/api/admin/settings`, { method: 'PUT', headers: admin, body: JSON.stringify({ keepChatTranscript }) });
    expect((await setTranscript(false)).status).toBe(200);
    try {
      const call = await placeCall(t);
      const { consultationId } = call;
      const delivered = nextEvent(call.operator, 'chat:message');
      await call.device.request('chat:send', { consultationId, text: 'マイナンバーは 1234 5678 9012 です' });
      expect((await delivered).text).toBe('マイナンバーは 1234 5678 9012 です'); // the call itself still sees it
      expect(await eventsOf(consultationId, 'chat')).toEqual([{ actorType: 'device', data: { from: 'resident', characters: 25 } }]);
      await call.device.request('consultation:end', { consultationId });
      const record = await fetch(`${t.server.url}/api/records/${consultationId}`, { headers: admin });
      expect(((await record.json()) as RecordDetail).chat).toEqual([expect.objectContaining({ from: 'resident', text: null })]);
      const change = await t.db.auditLog.findFirstOrThrow({ where: { action: 'config.change', targetId: 'keepChatTranscript' } });
      expect(JSON.parse(change.details!)).toEqual({ from: true, to: false });
      for (const client of [call.device, call.operator]) client.close();
    } finally {
      await setTranscript(true);
    }
  });

  it('records one rating per consultation, by its own tablet, after the end', async () => {
    const call = await placeCall(t);
    const { consultationId } = call;
    await expect(call.device.request('consultation:rate', { consultationId, score: 5 })).rejects.toMatchObject({ code: 'CONFLICT' });
    const ended = nextEvent(call.device, 'call:ended');
    await call.operator.request('consultation:end', { consultationId });
    await ended;

    await expect(call.device.request('consultation:rate', { consultationId, score: 6 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(call.device.request('consultation:rate', { consultationId, score: 2.5 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const other = await t.connect(await t.deviceToken('江川出張所'));
    await expect(other.request('consultation:rate', { consultationId, score: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(call.operator.request('consultation:rate', { consultationId, score: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const [first, second] = await Promise.allSettled([
      call.device.request('consultation:rate', { consultationId, score: 5, comment: ' 顔が見えて安心しました ' }),
      call.device.request('consultation:rate', { consultationId, score: 1 }),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'CONFLICT' } });
    expect(await eventsOf(consultationId, 'rated')).toEqual([
      { actorType: 'device', data: { score: 5, comment: '顔が見えて安心しました' } },
    ]);
    for (const client of [call.device, call.operator, other]) client.close();
  });
});
