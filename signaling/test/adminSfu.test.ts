import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SfuStats } from '@madoguchi/protocol';
import { placeCall } from './callFlow.ts';
import { startTestServer, type TestServer } from './harness.ts';

/** GET /api/admin/sfu tells which worker process hosts which consultation (the fault-injection e2e kills it). */
describe('the admin SFU view', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ media: { workers: 2, listenIp: '127.0.0.1', port: 0, forceRelay: false } });
  });
  afterAll(async () => {
    await t.close();
  });

  const sfuView = async (token: string) => {
    const response = await fetch(`${t.server.url}/api/admin/sfu`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    return SfuStats.parse(await response.json());
  };

  it('names the worker pid hosting a consultation, and nothing once it ended', async () => {
    const admin = await t.staffToken('admin');
    const call = await placeCall(t);
    const { workers } = await sfuView(admin);
    expect(workers).toHaveLength(2);
    const hosts = workers.filter((worker) => worker.roomIds.includes(call.consultationId));
    expect(hosts).toHaveLength(1);
    expect(hosts[0]!.rooms).toBe(1);
    expect(hosts[0]!.pid).toBeGreaterThan(0);
    expect((await t.server.sfu.stats()).map((worker) => worker.pid)).toContain(hosts[0]!.pid);

    await call.device.request('consultation:end', { consultationId: call.consultationId });
    expect((await sfuView(admin)).workers.flatMap((worker) => worker.roomIds)).toEqual([]);
    call.device.close();
    call.operator.close();
  });

  it('is not for operators', async () => {
    const response = await fetch(`${t.server.url}/api/admin/sfu`, { headers: { authorization: `Bearer ${await t.staffToken('tax1')}` } });
    expect(response.status).toBe(403);
  });
});
