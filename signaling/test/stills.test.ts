import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordDetail, StillUploadResponse, type StillInfo } from '@madoguchi/protocol';
import { systemClock, type Clock } from '../src/clock.ts';
import { readImageInfo } from '../src/stills/imageInfo.ts';
import { placeCall, type PlacedCall } from './callFlow.ts';
import { png } from './images.ts';
import { nextEvent, startTestServer, type TestServer } from './harness.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A JPEG header up to its start-of-frame (what the size check reads). */
function jpegHeader(width: number, height: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0', 'latin1'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]);
}

describe('image headers', () => {
  it('reads PNG and JPEG sizes from the file and refuses anything else', () => {
    expect(readImageInfo(png(1920, 1080))).toEqual({ mime: 'image/png', width: 1920, height: 1080 });
    expect(readImageInfo(jpegHeader(3840, 2160))).toEqual({ mime: 'image/jpeg', width: 3840, height: 2160 });
    expect(readImageInfo(Buffer.from('GIF89a\x01\x00\x01\x00'))).toBeNull();
    expect(readImageInfo(png(16, 16).subarray(0, 20))).toBeNull();
    expect(readImageInfo(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]))).toBeNull();
    expect(readImageInfo(Buffer.alloc(0))).toBeNull();
  });
});

describe('stills of the document camera', () => {
  let t: TestServer;
  let offsetMs = 0;
  const clock: Clock = { ...systemClock, now: () => new Date(Date.now() + offsetMs) };

  // The default STILLS_DIR, as in an install: .data/stills, a path through a dot-folder.
  beforeAll(async () => {
    t = await startTestServer({}, clock);
    expect(t.config.stills.dir.endsWith(join('/.data', 'stills'))).toBe(true);
  });
  afterAll(() => t.close());

  const upload = (token: string, query: Record<string, string>, body: Buffer, type = 'image/png') =>
    fetch(`${t.server.url}/api/stills?${new URLSearchParams(query)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: new Uint8Array(body),
    });
  const view = async (stillId: string, username?: string) =>
    fetch(`${t.server.url}/api/stills/${stillId}`, {
      headers: username ? { authorization: `Bearer ${await t.staffToken(username)}` } : {},
    });

  /** The operator presses capture; the tablet is asked; the tablet uploads `image`. */
  async function capture(call: PlacedCall, deviceToken: string, image: Buffer): Promise<StillInfo> {
    const requested = nextEvent(call.device, 'still:requested');
    const { requestId } = await call.operator.request('still:capture', { consultationId: call.consultationId });
    expect(await requested).toEqual({ consultationId: call.consultationId, requestId, marks: [] });
    const captured = nextEvent(call.operator, 'still:captured');
    const response = await upload(deviceToken, { consultationId: call.consultationId, requestId }, image);
    expect(response.status).toBe(201);
    const { still } = StillUploadResponse.parse(await response.json());
    expect(await captured).toEqual({ consultationId: call.consultationId, requestId, still });
    return still;
  }

  it('goes from the operator’s request to the tablet’s upload to the operator, and only to those allowed', async () => {
    const call = await placeCall(t);
    const deviceToken = await t.deviceToken('清滝郵便局');
    const image = png(1920, 1080);
    const started = performance.now();
    const still = await capture(call, deviceToken, image);
    console.log(`[stills] 1920×1080 PNG of ${image.length} bytes: request → stored → pushed in ${(performance.now() - started).toFixed(0)} ms`);
    expect(still).toMatchObject({ consultationId: call.consultationId, width: 1920, height: 1080, bytes: image.length, mime: 'image/png' });
    expect(await t.db.still.count({ where: { id: still.id } })).toBe(1);

    // The operator who took the call sees it, byte for byte; the look is audited.
    const own = await view(still.id, 'tax1');
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toBe('image/png');
    expect(own.headers.get('cache-control')).toBe('no-store');
    expect(Buffer.from(await own.arrayBuffer()).equals(image)).toBe(true);
    const audited = await t.db.auditLog.findMany({ where: { action: 'still.view', targetId: still.id } });
    const tax1 = await t.db.staff.findUniqueOrThrow({ where: { username: 'tax1' } });
    expect(audited).toMatchObject([{ staffId: tax1.id, details: JSON.stringify({ consultationId: call.consultationId }) }]);

    // Supervisors and admins may; another operator, the tablet and nobody may not.
    expect((await view(still.id, 'supervisor')).status).toBe(200);
    expect((await view(still.id, 'admin')).status).toBe(200);
    expect((await view(still.id, 'tax2')).status).toBe(404);
    expect((await view(still.id, 'welfare1')).status).toBe(404);
    expect((await view(still.id)).status).toBe(401);
    const asDevice = await fetch(`${t.server.url}/api/stills/${still.id}`, { headers: { authorization: `Bearer ${deviceToken}` } });
    expect(asDevice.status).toBe(403);
    expect(await t.db.auditLog.count({ where: { action: 'still.view', targetId: still.id } })).toBe(3);

    await call.device.request('consultation:end', { consultationId: call.consultationId });
    // After the call, the operator who took part still may (e.g. writing up the record).
    expect((await view(still.id, 'tax1')).status).toBe(200);

    // A still whose file has gone (deleted by hand, a disk restored without it) is not found, not a bad request.
    rmSync(join(t.config.stills.dir, `${still.id}.png`));
    const missing = await view(still.id, 'tax1');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such still' } });
    call.device.close();
    call.operator.close();
  });

  it('is part of the consultation’s record: a still_taken event and the still, for those who may see the record', async () => {
    const call = await placeCall(t);
    const deviceToken = await t.deviceToken('清滝郵便局');
    const still = await capture(call, deviceToken, png(1600, 1200));
    await call.device.request('consultation:end', { consultationId: call.consultationId });
    await t.server.recorder.flush();
    const record = async (username: string) =>
      fetch(`${t.server.url}/api/records/${call.consultationId}`, { headers: { authorization: `Bearer ${await t.staffToken(username)}` } });

    const tax1 = await t.db.staff.findUniqueOrThrow({ where: { username: 'tax1' } });
    for (const username of ['tax1', 'supervisor', 'admin']) {
      const response = await record(username);
      expect(response.status, username).toBe(200);
      const detail = RecordDetail.parse(await response.json());
      expect(detail.stills, username).toEqual([still]);
      const taken = detail.events.filter((event) => event.type === 'still_taken');
      expect(taken, username).toEqual([
        {
          type: 'still_taken',
          at: still.createdAt,
          actor: { type: 'staff', id: tax1.id, name: tax1.displayName },
          data: { stillId: still.id, width: 1600, height: 1200, bytes: still.bytes },
        },
      ]);
    }
    // Operators who took no part see neither the record nor its stills.
    expect((await record('tax2')).status).toBe(404);
    expect((await record('welfare1')).status).toBe(404);
    call.device.close();
    call.operator.close();
  });

  it('is not shown to an operator who only declined the call', async () => {
    // tax2 is on duty first, so the routing offers the call to tax2, who declines; tax1 then answers.
    const tax2 = await t.connect(await t.staffToken('tax2'));
    await tax2.request('presence:set', { presence: 'available' });
    const declined = nextEvent(tax2, 'offer:incoming').then(async ({ consultationId }) => {
      await tax2.request('offer:decline', { consultationId });
      return consultationId;
    });
    const call = await placeCall(t);
    expect(await declined).toBe(call.consultationId);
    const still = await capture(call, await t.deviceToken('清滝郵便局'), png(1280, 720));
    expect((await view(still.id, 'tax1')).status).toBe(200);
    expect((await view(still.id, 'tax2')).status).toBe(404);
    await call.device.request('consultation:end', { consultationId: call.consultationId });
    await t.server.recorder.flush();
    expect((await view(still.id, 'tax2')).status).toBe(404);
    tax2.close();
    call.device.close();
    call.operator.close();
  });

  it('accepts only an image the operator asked for, from the tablet of the call, once', async () => {
    const call = await placeCall(t);
    const { consultationId } = call;
    const deviceToken = await t.deviceToken('清滝郵便局');
    const otherDevice = await t.deviceToken('江川出張所');

    expect((await upload(deviceToken, { consultationId, requestId: 'never-asked' }, png(8, 8))).status).toBe(404);
    await expect(call.device.request('still:capture', { consultationId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const tax2 = await t.connect(await t.staffToken('tax2'));
    await expect(tax2.request('still:capture', { consultationId })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const { requestId } = await call.operator.request('still:capture', { consultationId });
    await expect(call.operator.request('still:capture', { consultationId })).rejects.toMatchObject({ code: 'CONFLICT' });
    const query = { consultationId, requestId };
    expect((await upload(otherDevice, query, png(8, 8))).status).toBe(404);
    expect((await upload(await t.staffToken('tax1'), query, png(8, 8))).status).toBe(403);
    expect((await upload(deviceToken, { consultationId }, png(8, 8))).status).toBe(400);
    expect((await upload(deviceToken, query, Buffer.from('not an image at all'))).status).toBe(400);
    expect((await upload(deviceToken, query, png(8, 8), 'image/jpeg')).status).toBe(400);
    expect((await upload(deviceToken, query, png(8, 8), 'text/plain')).status).toBe(400);
    expect((await upload(deviceToken, query, png(9000, 10))).status).toBe(400);
    expect((await upload(deviceToken, query, Buffer.alloc(21 * 1024 * 1024))).status).toBe(400);
    expect(await t.db.still.count({ where: { consultationId } })).toBe(0);

    // Still pending after the refusals: a good JPEG is kept; the same request cannot be answered twice.
    const jpeg = jpegHeader(2592, 1944);
    expect((await upload(deviceToken, query, jpeg, 'image/jpeg')).status).toBe(201);
    expect((await upload(deviceToken, query, jpeg, 'image/jpeg')).status).toBe(404);

    // The tablet may report that it cannot; the operator is told why.
    const second = await call.operator.request('still:capture', { consultationId });
    const failed = nextEvent(call.operator, 'still:failed');
    await call.device.request('still:captureFailed', { consultationId, requestId: second.requestId, reason: 'no_document_camera' });
    expect(await failed).toEqual({ consultationId, requestId: second.requestId, reason: 'no_document_camera' });
    await expect(
      call.device.request('still:captureFailed', { consultationId, requestId: second.requestId, reason: 'bogus' as never }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });

    // After the end of the call nothing more is taken, not even what was asked for during it.
    const third = await call.operator.request('still:capture', { consultationId });
    await call.operator.request('consultation:end', { consultationId });
    expect((await upload(deviceToken, { consultationId, requestId: third.requestId }, png(8, 8))).status).toBe(404);
    expect(await t.db.still.count({ where: { consultationId } })).toBe(1);
    await expect(call.operator.request('still:capture', { consultationId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const client of [call.device, call.operator, tax2]) client.close();
  });

  it('deletes stills (file and row) once they are older than the retention period', async () => {
    // Two calls 29 days apart (each with staff logged in at its time: a session does not last a month).
    const stillOfCallAt = async (offset: number) => {
      offsetMs = offset;
      const call = await placeCall(t);
      const still = await capture(call, await t.deviceToken('清滝郵便局'), png(64, 48));
      await call.device.request('consultation:end', { consultationId: call.consultationId });
      call.device.close();
      call.operator.close();
      return { still, consultationId: call.consultationId };
    };
    const old = await stillOfCallAt(0);
    const recent = await stillOfCallAt(29 * DAY_MS);
    const fileOf = (still: StillInfo) => join(t.config.stills.dir, `${still.id}.png`);
    expect(existsSync(fileOf(old.still)) && existsSync(fileOf(recent.still))).toBe(true);

    offsetMs = 30 * DAY_MS + 60_000; // the first is now just over 30 days old, the second one day
    const cutoff = new Date(clock.now().getTime() - 30 * DAY_MS);
    const expired = await t.db.still.count({ where: { createdAt: { lt: cutoff } } });
    expect(expired).toBeGreaterThanOrEqual(1); // this test's old one, and those of the tests before
    expect(await t.server.stills.purgeExpired()).toBe(expired);
    expect(await t.db.still.count({ where: { createdAt: { lt: cutoff } } })).toBe(0);
    expect(existsSync(fileOf(old.still))).toBe(false);
    expect(readFileSync(fileOf(recent.still)).length).toBe(recent.still.bytes);
    expect(await t.db.still.count({ where: { consultationId: old.consultationId } })).toBe(0);
    expect(await t.db.still.findMany({ where: { consultationId: recent.consultationId }, select: { id: true } })).toEqual([{ id: recent.still.id }]);
    expect((await view(old.still.id, 'supervisor')).status).toBe(404);
    offsetMs = 0;
  });
});
