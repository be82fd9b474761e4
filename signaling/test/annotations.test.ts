import { EventEmitter } from 'node:events';
import { ANNOTATION_LIMITS, type MarkDrawing, type ServerEventName, type ServerPayload } from '@madoguchi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnnotationBoard } from '../src/annotations/AnnotationBoard.ts';
import type { DevicePrincipal, StaffPrincipal } from '../src/auth/principal.ts';
import type { ConsultationService, Notifier } from '../src/consultations/ConsultationService.ts';
import { placeCall } from './callFlow.ts';
import { nextEvent, rawEmit, startTestServer, type TestServer } from './harness.ts';

const circle: MarkDrawing = { kind: 'circle', colour: 'red', points: [[0.2, 0.3], [0.4, 0.35]] };
const dot: MarkDrawing = { kind: 'dot', colour: 'blue', points: [[0.5, 0.5]] };

/** Issue 13, item 1: marks on the pictures of a call, through the real gateway. */
describe('marks on the pictures of a call', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('reach both sides in one order, come back to a reloaded page, undo and clear, and go with the call', async () => {
    const call = await placeCall(t, { site: '清滝郵便局', operator: 'tax1', department: 'tax' });
    const { consultationId } = call;

    const onTablet = nextEvent(call.device, 'annotation:added');
    const onConsole = nextEvent(call.operator, 'annotation:added');
    const { markId } = await call.operator.request('annotation:add', { consultationId, source: 'document', mark: circle });
    const expected = { consultationId, mark: { ...circle, markId, source: 'document', by: 'operator' } };
    expect(await onTablet).toEqual(expected);
    expect(await onConsole).toEqual(expected);

    const fingerSeen = nextEvent(call.operator, 'annotation:added');
    const { markId: finger } = await call.device.request('annotation:add', { consultationId, source: 'operator-document', mark: dot });
    expect((await fingerSeen).mark).toMatchObject({ markId: finger, by: 'resident', source: 'operator-document' });

    // A page loaded again asks for the marks and gets them all, oldest first.
    expect((await call.device.request('annotation:list', { consultationId })).marks.map((mark) => mark.markId)).toEqual([markId, finger]);

    // Undo takes back the sender's own latest mark on that picture only: the operator has none on the shared one.
    await call.operator.request('annotation:undo', { consultationId, source: 'operator-document' });
    expect((await call.operator.request('annotation:list', { consultationId })).marks).toHaveLength(2);
    const undone = nextEvent(call.device, 'annotation:removed');
    await call.operator.request('annotation:undo', { consultationId, source: 'document' });
    expect(await undone).toEqual({ consultationId, markIds: [markId] });

    const cleared = nextEvent(call.operator, 'annotation:removed');
    await call.operator.request('annotation:clear', { consultationId, source: 'operator-document' });
    expect(await cleared).toEqual({ consultationId, markIds: [finger] });

    // The still asked with marks carries what is on the document now, for the tablet to draw in.
    const { markId: kept } = await call.operator.request('annotation:add', { consultationId, source: 'document', mark: circle });
    const requested = nextEvent(call.device, 'still:requested');
    await call.operator.request('still:capture', { consultationId, withMarks: true });
    expect((await requested).marks.map((mark) => mark.markId)).toEqual([kept]);

    await call.device.request('consultation:end', { consultationId });
    await expect(call.operator.request('annotation:list', { consultationId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const client of [call.device, call.operator]) client.close();
  });

  it('is refused to strangers and supervisors, and out of shape or bounds', async () => {
    const call = await placeCall(t, { site: '江川出張所', operator: 'tax2', department: 'tax' });
    const { consultationId } = call;
    const stranger = await t.connect(await t.deviceToken('中央公民館'));
    await expect(stranger.request('annotation:add', { consultationId, source: 'document', mark: dot })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const supervisor = await t.connect(await t.staffToken('supervisor'));
    await expect(supervisor.request('annotation:list', { consultationId })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const tooLong = Array.from({ length: ANNOTATION_LIMITS.pointsPerStroke + 1 }, (_, i) => [i / 1000, 0.5]);
    for (const [source, mark] of [
      ['document', { ...dot, points: [[1.5, 0.5]] }],
      ['document', { ...circle, points: [[0.1, 0.1]] }],
      ['document', { kind: 'freehand', colour: 'red', points: tooLong }],
      ['document', { ...dot, colour: 'pink' }],
      ['face', dot],
    ] as const) {
      const ack = await rawEmit(call.operator, 'annotation:add', { consultationId, source, mark });
      expect(ack).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect((await call.operator.request('annotation:list', { consultationId })).marks).toEqual([]);

    await call.device.request('consultation:end', { consultationId });
    for (const client of [call.device, call.operator, stranger, supervisor]) client.close();
  });
});

/** The board's bounds, with a clock of its own: the rate per party and the marks a call keeps. */
describe('the annotation board’s bounds', () => {
  const device: DevicePrincipal = { kind: 'device', deviceId: 'tablet-1' } as DevicePrincipal;
  const operator: StaffPrincipal = { kind: 'staff', staffId: 'staff-1', role: 'operator' } as StaffPrincipal;
  const pushed: { to: string; event: ServerEventName; payload: unknown }[] = [];
  const notifier = {
    toDevice: (to: string, event: ServerEventName, payload: unknown) => pushed.push({ to, event, payload }),
    toStaff: (to: string, event: ServerEventName, payload: unknown) => pushed.push({ to, event, payload }),
  } as unknown as Notifier;
  const observer = new EventEmitter<{ ended: [string] }>();
  const consultations = {
    observer,
    connectedParties: () => ({ deviceId: 'tablet-1', operatorIds: ['staff-1'] }),
  } as unknown as ConsultationService;
  let now = 0;
  const board = new AnnotationBoard({ consultations, notifier, sentPage: () => 'no-document', now: () => now });

  it('lets each party add a burst, then its sustained rate', () => {
    for (let i = 0; i < ANNOTATION_LIMITS.markBurst; i++) board.add(device, 'c1', 'operator-document', dot);
    expect(() => board.add(device, 'c1', 'operator-document', dot)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    // The other side has an allowance of its own.
    board.add(operator, 'c1', 'document', circle);
    now += 1000;
    for (let i = 0; i < ANNOTATION_LIMITS.marksPerSecond - 1; i++) board.add(device, 'c1', 'operator-document', dot);
  });

  it('keeps the call’s latest marks, telling both sides which went', () => {
    const before = board.marksOn('c1');
    for (let i = 0; before.length + i < ANNOTATION_LIMITS.marksPerCall + 1; i++) {
      now += 1000;
      board.add(operator, 'c1', 'document', circle);
    }
    expect(board.marksOn('c1')).toHaveLength(ANNOTATION_LIMITS.marksPerCall);
    const removed = pushed.filter(({ event }) => event === 'annotation:removed') as { to: string; payload: ServerPayload<'annotation:removed'> }[];
    expect(removed.map(({ to, payload }) => [to, payload.markIds])).toEqual([
      ['tablet-1', [before[0]!.markId]],
      ['staff-1', [before[0]!.markId]],
    ]);
  });

  it('forgets a call once it has ended', () => {
    observer.emit('ended', 'c1');
    expect(board.marksOn('c1')).toEqual([]);
    board.close();
    expect(observer.listenerCount('ended')).toBe(0);
  });
});
