import { CategoriesResponse, RecordDetail } from '@madoguchi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeCall, waitFor } from './callFlow.ts';
import { startTestServer, type TestServer } from './harness.ts';

/** 対応メモ・相談種別: the operator files a consultation after the call; the record shows it. */
describe('notes and categories', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  const api = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${t.server.url}/api${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });

  it('lets the operator who answered file the consultation under a category with a note, and nobody else', async () => {
    const call = await placeCall(t, { site: '江川出張所', operator: 'tax1', department: 'tax' });
    await call.device.request('consultation:end', { consultationId: call.consultationId });
    const tax1 = await t.staffToken('tax1');
    const tax = await t.db.department.findUniqueOrThrow({ where: { code: 'tax' } });
    const welfare = await t.db.department.findUniqueOrThrow({ where: { code: 'welfare' } });

    const { categories } = CategoriesResponse.parse(await (await api(`/departments/${tax.id}/categories`, tax1)).json());
    expect(categories.map((c) => c.name)).toEqual(['住民税', '固定資産税', '軽自動車税', '納税・証明書', 'その他']);
    const { categories: welfareCategories } = CategoriesResponse.parse(await (await api(`/departments/${welfare.id}/categories`, tax1)).json());

    const note = (token: string, body: unknown) => api(`/consultations/${call.consultationId}/notes`, token, { method: 'POST', body: JSON.stringify(body) });
    expect((await note(tax1, { categoryId: categories[0]!.id, text: '  住民税の減免申請の書き方を説明した。  ' })).status).toBe(201);
    // Nothing at all, another department's category, someone who did not take part, a tablet: refused.
    expect((await note(tax1, { categoryId: null, text: '   ' })).status).toBe(400);
    expect((await note(tax1, { categoryId: welfareCategories[0]!.id, text: 'x' })).status).toBe(400);
    expect((await note(await t.staffToken('tax2'), { categoryId: null, text: 'x' })).status).toBe(404);
    expect((await note(await t.staffToken('supervisor'), { categoryId: null, text: 'x' })).status).toBe(403);
    expect((await note(await t.deviceToken('江川出張所'), { categoryId: null, text: 'x' })).status).toBe(403);
    expect((await api('/consultations/nope/notes', tax1, { method: 'POST', body: '{"categoryId":null,"text":"x"}' })).status).toBe(404);

    const supervisor = await t.staffToken('supervisor');
    let detail!: RecordDetail;
    await waitFor(async () => {
      detail = RecordDetail.parse(await (await api(`/records/${call.consultationId}`, supervisor)).json());
      return detail.notes.length === 1;
    });
    expect(detail.notes[0]).toMatchObject({ category: '住民税', text: '住民税の減免申請の書き方を説明した。', by: { name: '税務 一郎' } });
    call.device.close();
    call.operator.close();
  });
});
