import { describe, expect, it } from 'vitest';
import type { ServerPayload } from '@madoguchi/protocol';
import {
  canChangePresence,
  consolePhase,
  consoleReducer,
  initialConsoleState,
  isCapturing,
  remoteBySource,
  type ConsoleAction,
  type ConsoleState,
  type RemoteMedia,
} from '../src/consoleState.ts';

const site = { id: 'site-1', name: '清滝郵便局' };
const department = { id: 'dep-1', code: 'shimin', name: '市民課' };

const offer = (consultationId = 'c1'): ServerPayload<'offer:incoming'> => ({
  consultationId,
  site,
  department,
  kind: 'resident',
  requestedAt: '2025-04-01T09:00:00.000Z',
  offeredAt: '2025-04-01T09:00:05.000Z',
  ringTimeoutSeconds: 20,
  transferred: false,
  invitedBy: null,
});

const joined = (consultationId = 'c1'): ServerPayload<'call:joined'> => ({
  consultationId,
  joinId: 'join-1',
  role: 'operator',
  routerRtpCapabilities: { codecs: [] },
  site,
  department,
  operatorName: '山田 花子',
  answered: true,
});

const track = (id: string) => ({ id, kind: 'video' }) as unknown as MediaStreamTrack;
const remote = (consumerId: string, source: RemoteMedia['source'], kind: RemoteMedia['kind'] = 'video'): RemoteMedia => ({
  consumerId,
  source,
  participant: 'resident',
  kind,
  track: track(consumerId),
});

function run(...actions: ConsoleAction[]): ConsoleState {
  return actions.reduce(consoleReducer, initialConsoleState);
}

const connected: ConsoleAction = { type: 'connection', status: 'connected' };

describe('consoleReducer', () => {
  it('starts connecting and away (離席中), idle', () => {
    expect(initialConsoleState.presence).toBe('away');
    expect(initialConsoleState.connection).toBe('connecting');
    expect(consolePhase(initialConsoleState)).toBe('idle');
    expect(canChangePresence(initialConsoleState)).toBe(false);
    expect(canChangePresence(run(connected))).toBe(true);
  });

  it('tracks a presence request until the ack or the push', () => {
    const requested = run(connected, { type: 'presence/request', presence: 'available' });
    expect(requested.presenceRequest).toBe('available');
    expect(canChangePresence(requested)).toBe(false);

    const pushed = consoleReducer(requested, { type: 'presence/changed', presence: 'available', awayReason: null });
    expect(pushed.presence).toBe('available');
    expect(pushed.presenceRequest).toBeNull();

    const acked = consoleReducer(requested, { type: 'presence/acknowledged', presence: 'available' });
    expect(acked.presence).toBe('available');
    expect(acked.presenceRequest).toBeNull();

    const failed = consoleReducer(requested, { type: 'presence/requestFailed', code: 'CONFLICT' });
    expect(failed.presence).toBe('away');
    expect(failed.notice).toEqual({ kind: 'error', action: 'presence', code: 'CONFLICT' });
  });

  it('does not let a late presence ack take back an offer that rang in the meantime', () => {
    const state = run(
      connected,
      { type: 'presence/request', presence: 'available' },
      { type: 'presence/changed', presence: 'available', awayReason: null },
      { type: 'presence/changed', presence: 'offered', awayReason: null },
      { type: 'offer/incoming', offer: offer(), now: 0 },
      { type: 'presence/acknowledged', presence: 'available' },
    );
    expect(state.presence).toBe('offered');
    expect(consolePhase(state)).toBe('offered');
    expect(state.offers).toHaveLength(1);
  });

  it('rings, accepts and joins a call', () => {
    const ringing = run(connected, { type: 'presence/changed', presence: 'offered', awayReason: null }, { type: 'offer/incoming', offer: offer(), now: 0 });
    expect(consolePhase(ringing)).toBe('offered');
    expect(ringing.offers[0]).toMatchObject({ consultationId: 'c1', site, department });
    expect(canChangePresence(ringing)).toBe(false);

    const accepting = consoleReducer(ringing, { type: 'offer/accept', consultationId: 'c1' });
    expect(consolePhase(accepting)).toBe('accepting');

    // The server sets in_call before call:joined: the offer must survive until then.
    const inCall = consoleReducer(accepting, { type: 'presence/changed', presence: 'in_call', awayReason: null });
    expect(consolePhase(inCall)).toBe('accepting');

    const call = consoleReducer(inCall, { type: 'call/joined', joined: joined(), now: 1_000 });
    expect(consolePhase(call)).toBe('in_call');
    expect(call.offers).toEqual([]);
    expect(call.accepting).toBeNull();
    expect(call.call).toMatchObject({ consultationId: 'c1', site, department, media: 'connecting', muted: false });
  });

  it('declines an offer at once', () => {
    const state = run(connected, { type: 'offer/incoming', offer: offer(), now: 0 }, { type: 'offer/decline', consultationId: 'c1' });
    expect(consolePhase(state)).toBe('idle');
    // The server's own withdrawal for the decline is then a no-op, without a notice.
    const after = consoleReducer(state, { type: 'offer/withdrawn', consultationId: 'c1', reason: 'declined' });
    expect(after.notice).toBeNull();
  });

  it('removes a withdrawn offer and says why', () => {
    const state = run(
      connected,
      { type: 'offer/incoming', offer: offer(), now: 0 },
      { type: 'offer/accept', consultationId: 'c1' },
      { type: 'offer/withdrawn', consultationId: 'c1', reason: 'cancelled' },
    );
    expect(consolePhase(state)).toBe('idle');
    expect(state.accepting).toBeNull();
    expect(state.notice).toEqual({ kind: 'offer-withdrawn', reason: 'cancelled' });
  });

  it('reports a ring that timed out, and why the server set the operator away', () => {
    const state = run(
      connected,
      { type: 'presence/changed', presence: 'offered', awayReason: null },
      { type: 'offer/incoming', offer: offer(), now: 0 },
      { type: 'offer/withdrawn', consultationId: 'c1', reason: 'timeout' },
      { type: 'presence/changed', presence: 'away', awayReason: 'missed_offers' },
    );
    expect(state.presence).toBe('away');
    expect(state.awayReason).toBe('missed_offers');
    expect(state.notice).toEqual({ kind: 'ring-timeout' });
  });

  it('keeps the queues of the operator\'s departments up to date, one department at a time', () => {
    const queue = (id: string, waiting: number) => ({
      department: { id, code: id, name: id },
      waiting,
      longestWaitingSince: waiting ? '2025-04-01T09:00:00.000Z' : null,
      servingOperators: 1,
    });
    const state = run(
      connected,
      { type: 'queues/changed', queues: [queue('a', 0), queue('b', 2)] },
      { type: 'queues/changed', queues: [queue('a', 3)] },
    );
    expect(state.queues.map((q) => [q.department.id, q.waiting])).toEqual([['a', 3], ['b', 2]]);
  });

  it('keeps the call just finished for its note until it is filed or skipped, and forgets it on the next call', () => {
    const ended = run(
      connected,
      { type: 'call/joined', joined: joined(), now: 1_000 },
      { type: 'call/ended', ended: { consultationId: 'c1', outcome: 'completed', endedBy: 'resident', reason: null }, now: 61_000 },
    );
    expect(ended.lastCall).toEqual({ consultationId: 'c1', department, site });
    expect(consoleReducer(ended, { type: 'notes/done' }).lastCall).toBeNull();
    expect(consoleReducer(ended, { type: 'call/joined', joined: joined('c2'), now: 70_000 }).lastCall).toBeNull();
  });

  it('follows a one-stop call: inviting, the colleague joining, and leaving the call to them', () => {
    const operator = (staffId: string) => ({ staffId, name: staffId, department });
    const welfare = { id: 'dep-2', code: 'welfare', name: '福祉課' };
    const inCall = run(connected, { type: 'call/joined', joined: joined(), now: 1_000 });
    const inviting = (
      [
        { type: 'call/participants', participants: { consultationId: 'c1', operators: [operator('me')] } },
        { type: 'call/inviting', consultationId: 'c1', department: welfare },
      ] satisfies ConsoleAction[]
    ).reduce(consoleReducer, inCall);
    expect(inviting.call?.inviting).toEqual(welfare);
    const joinedToo = consoleReducer(inviting, {
      type: 'call/participants',
      participants: { consultationId: 'c1', operators: [operator('me'), operator('colleague')] },
    });
    expect(joinedToo.call?.inviting).toBeNull();
    expect(joinedToo.call?.operators).toHaveLength(2);
    const left = consoleReducer(joinedToo, { type: 'call/left', left: { consultationId: 'c1', reason: 'left' }, now: 61_000 });
    expect(left.call).toBeNull();
    expect(left.notice).toEqual({ kind: 'call-left', reason: 'left', durationMs: 60_000 });
  });

  it('drops offers when the connection is lost (the server withdraws them)', () => {
    const state = run(connected, { type: 'offer/incoming', offer: offer(), now: 0 }, { type: 'connection', status: 'reconnecting' });
    expect(state.offers).toEqual([]);
    expect(consolePhase(state)).toBe('idle');
  });

  it('reports a failed accept and forgets the offer', () => {
    const state = run(
      connected,
      { type: 'offer/incoming', offer: offer(), now: 0 },
      { type: 'offer/accept', consultationId: 'c1' },
      { type: 'offer/acceptFailed', consultationId: 'c1', code: 'MEDIA_ERROR' },
    );
    expect(consolePhase(state)).toBe('idle');
    expect(state.notice).toEqual({ kind: 'error', action: 'accept', code: 'MEDIA_ERROR' });
  });

  it('lays remote media out by source, not by arrival order', () => {
    const state = run(
      connected,
      { type: 'call/joined', joined: joined(), now: 0 },
      { type: 'track/added', consultationId: 'c1', media: remote('k-face', 'face') },
      { type: 'track/added', consultationId: 'c1', media: remote('k-mic', 'mic', 'audio') },
      { type: 'track/added', consultationId: 'c1', media: remote('k-doc', 'document') },
      // Media of another consultation is ignored.
      { type: 'track/added', consultationId: 'other', media: remote('k-x', 'document') },
    );
    expect(remoteBySource(state.call, 'document')?.consumerId).toBe('k-doc');
    expect(remoteBySource(state.call, 'face')?.consumerId).toBe('k-face');
    expect(remoteBySource(state.call, 'mic')?.consumerId).toBe('k-mic');

    // The resident switches document cameras: the newest track wins; the old one's end keeps it.
    const replaced = run(
      connected,
      { type: 'call/joined', joined: joined(), now: 0 },
      { type: 'track/added', consultationId: 'c1', media: remote('k-doc', 'document') },
      { type: 'track/added', consultationId: 'c1', media: remote('k-doc2', 'document') },
      { type: 'track/ended', consultationId: 'c1', consumerId: 'k-doc' },
    );
    expect(remoteBySource(replaced.call, 'document')?.consumerId).toBe('k-doc2');

    const gone = consoleReducer(replaced, { type: 'track/ended', consultationId: 'c1', consumerId: 'k-doc2' });
    expect(remoteBySource(gone.call, 'document')).toBeUndefined();
  });

  it('marks a stream the SFU does not send for want of this console’s bandwidth, until it flows again', () => {
    const starved = (consumerId: string, value: boolean): ConsoleAction => ({ type: 'track/starved', starved: { consultationId: 'c1', consumerId, starved: value, estimateKbps: 150 } });
    const state = run(
      connected,
      { type: 'call/joined', joined: joined(), now: 0 },
      { type: 'track/added', consultationId: 'c1', media: remote('k-face', 'face') },
      { type: 'track/added', consultationId: 'c1', media: remote('k-doc', 'document') },
      starved('k-face', true),
      // A consumer this console does not hold changes nothing.
      starved('k-gone', true),
    );
    expect(remoteBySource(state.call, 'face')?.starved).toBe(true);
    expect(remoteBySource(state.call, 'document')?.starved).toBeUndefined();
    expect(remoteBySource(consoleReducer(state, starved('k-face', false)).call, 'face')?.starved).toBe(false);
  });

  it('records local media, connection state, mute', () => {
    const cam = track('cam');
    const state = run(
      connected,
      { type: 'call/joined', joined: joined(), now: 0 },
      { type: 'call/localMedia', consultationId: 'c1', video: cam, missing: ['audio'] },
      { type: 'call/connectionState', consultationId: 'c1', status: 'connected', lostSince: null },
      { type: 'call/mediaReady', consultationId: 'c1' },
      { type: 'call/muted', muted: true },
    );
    expect(state.call).toMatchObject({ localVideo: cam, localMissing: ['audio'], connectionState: 'connected', media: 'ready', muted: true });
  });

  it('shows an outage of its own and of the resident while they are repaired, and clears them when back', () => {
    const resident = { role: 'resident' as const, staffId: null, name: '清滝郵便局' };
    const lost = run(
      connected,
      { type: 'call/joined', joined: joined(), now: 0 },
      { type: 'call/connectionState', consultationId: 'c1', status: 'reconnecting', lostSince: 5_000 },
      { type: 'call/partyConnection', connection: { consultationId: 'c1', party: resident, state: 'lost', since: new Date(0).toISOString() }, now: 6_000 },
    );
    expect(lost.call).toMatchObject({ connectionState: 'disconnected', lostSince: 5_000, partiesLost: [{ ...resident, lostAt: 6_000 }] });
    const back = [
      { type: 'call/connectionState', consultationId: 'c1', status: 'connected', lostSince: null },
      { type: 'call/partyConnection', connection: { consultationId: 'c1', party: resident, state: 'restored', since: new Date(0).toISOString() }, now: 9_000 },
    ].reduce<ConsoleState>((state, action) => consoleReducer(state, action as ConsoleAction), lost);
    expect(back.call).toMatchObject({ connectionState: 'connected', lostSince: null, partiesLost: [] });
  });

  it('keeps the resident’s connection quality as their tablet measures it, for this call only', () => {
    const quality = (consultationId: string, level: 'good' | 'poor'): ConsoleAction => ({
      type: 'call/quality',
      quality: { consultationId, role: 'resident', quality: level },
    });
    expect(run(connected, { type: 'call/joined', joined: joined(), now: 0 }).call?.residentQuality).toBeNull();
    const poor = run(connected, { type: 'call/joined', joined: joined(), now: 0 }, quality('c1', 'poor'));
    expect(poor.call?.residentQuality).toBe('poor');
    expect(consoleReducer(poor, quality('other', 'good')).call?.residentQuality).toBe('poor');
    expect(consoleReducer(poor, quality('c1', 'good')).call?.residentQuality).toBe('good');
  });

  it('says why a call failed: the tablet lost, the server restarted', () => {
    const ended = run(
      connected,
      { type: 'call/joined', joined: joined(), now: 0 },
      { type: 'call/ended', ended: { consultationId: 'c1', outcome: 'failed', endedBy: 'system', reason: 'tablet_disconnected' }, now: 60_000 },
    );
    expect(ended.notice).toMatchObject({ kind: 'call-ended', outcome: 'failed', reason: 'tablet_disconnected' });
  });

  it('keeps the chat of the call in server order, once per message, and only for this call', () => {
    const call = run(connected, { type: 'call/joined', joined: joined(), now: 0 });
    const id = joined().consultationId;
    const message = (messageId: string, from: 'resident' | 'operator', consultationId = id) => ({
      consultationId,
      messageId,
      from,
      text: `text ${messageId}`,
      at: '2026-11-23T01:00:00.000Z',
    });
    const state = (
      [
        { type: 'chat/message', message: message('m1', 'resident') },
        { type: 'chat/message', message: message('m2', 'operator') },
        { type: 'chat/message', message: message('m1', 'resident') },
        { type: 'chat/message', message: message('m3', 'resident', 'another-call') },
      ] satisfies ConsoleAction[]
    ).reduce(consoleReducer, call);
    expect(state.call?.chat.map((m) => m.messageId)).toEqual(['m1', 'm2']);
  });

  it('takes in what came before joining: the earlier chat ahead of live messages and marked, the stills, the notes', () => {
    const call = run(connected, { type: 'call/joined', joined: joined(), now: 0 });
    const message = (messageId: string, at: string) => ({ consultationId: 'c1', messageId, from: 'resident' as const, text: messageId, at });
    const still = { id: 's1', consultationId: 'c1', width: 1920, height: 1080, bytes: 1000, mime: 'image/png' as const, createdAt: '2026-11-23T00:59:00.000Z' };
    const note = {
      purpose: 'invite' as const,
      from: { staffId: 'tax1', name: '税務 一郎', department: { id: 'dep-tax', code: 'tax', name: '税務課' } },
      to: department,
      note: '児童手当の申請について',
      at: '2026-11-23T01:00:02.000Z',
    };
    // A live message may arrive before the history (it is read from the database first).
    const state = (
      [
        { type: 'chat/message', message: message('live', '2026-11-23T01:00:05.000Z') },
        {
          type: 'call/history',
          history: { consultationId: 'c1', chat: [message('m1', '2026-11-23T01:00:00.000Z'), message('m2', '2026-11-23T01:00:01.000Z')], stills: [still], handoverNotes: [note] },
        },
      ] satisfies ConsoleAction[]
    ).reduce(consoleReducer, call);
    expect(state.call?.chat.map((m) => m.messageId)).toEqual(['m1', 'm2', 'live']);
    expect(state.call?.chatBeforeJoiningUntil).toBe('m2');
    expect(state.call?.stills).toEqual([still]);
    expect(state.call?.handoverNotes).toEqual([note]);
  });

  it('shows what the operator is sharing, and reports a share that failed', () => {
    const call = run(connected, { type: 'call/joined', joined: joined(), now: 0 });
    const id = joined().consultationId;
    const shared = { source: 'operator-document' as const, track: {} as MediaStreamTrack };
    const sharing = consoleReducer(call, { type: 'call/sharing', consultationId: id, sharing: shared });
    expect(sharing.call?.sharing).toBe(shared);
    const display = { source: 'operator-document' as const, drawnWidth: 764, drawnHeight: 430, frameWidth: 1920, frameHeight: 1080, enlarged: false, zoom: 1 };
    const seen = consoleReducer(sharing, { type: 'call/shareDisplayed', shareDisplayed: { consultationId: id, display } });
    expect(seen.call?.shareOnTablet).toEqual(display);
    const stopped = consoleReducer(seen, { type: 'call/sharing', consultationId: id, sharing: null });
    expect(stopped.call?.sharing).toBeNull();
    expect(stopped.call?.shareOnTablet).toBeNull();
    const failed = consoleReducer(sharing, { type: 'call/shareFailed', consultationId: id, code: 'INTERNAL' });
    expect(failed.call?.sharing).toBeNull();
    expect(failed.notice).toEqual({ kind: 'error', action: 'share', code: 'INTERNAL' });
    // A late report about another consultation changes nothing.
    expect(consoleReducer(call, { type: 'call/sharing', consultationId: 'other', sharing: { source: 'screen', track: {} as MediaStreamTrack } })).toBe(call);
  });

  it('ends a call: ending, then call:ended brings the idle screen back with the handling time', () => {
    const ending = run(connected, { type: 'call/joined', joined: joined(), now: 10_000 }, { type: 'call/ending' });
    expect(consolePhase(ending)).toBe('ending');

    const failed = consoleReducer(ending, { type: 'call/endFailed', code: 'INTERNAL' });
    expect(consolePhase(failed)).toBe('in_call');
    expect(failed.notice).toEqual({ kind: 'error', action: 'end', code: 'INTERNAL' });

    const ended = consoleReducer(ending, {
      type: 'call/ended',
      ended: { consultationId: 'c1', outcome: 'completed', endedBy: 'resident', reason: null },
      now: 75_000,
    });
    expect(consolePhase(ended)).toBe('idle');
    expect(ended.call).toBeNull();
    expect(ended.notice).toEqual({ kind: 'call-ended', outcome: 'completed', endedBy: 'resident', reason: null, durationMs: 65_000 });
  });

  it('ignores call:ended for another consultation but drops its ringing offer', () => {
    const inCall = run(connected, { type: 'call/joined', joined: joined('c1'), now: 0 });
    const other = consoleReducer(inCall, {
      type: 'call/ended',
      ended: { consultationId: 'c2', outcome: 'abandoned', endedBy: 'resident', reason: null },
      now: 1,
    });
    expect(other).toBe(inCall);

    const ringing = run(connected, { type: 'offer/incoming', offer: offer('c3'), now: 0 });
    const cancelled = consoleReducer(ringing, {
      type: 'call/ended',
      ended: { consultationId: 'c3', outcome: 'abandoned', endedBy: 'resident', reason: null },
      now: 1,
    });
    expect(cancelled.offers).toEqual([]);
  });

  it('does not duplicate an offer sent twice', () => {
    const state = run(connected, { type: 'offer/incoming', offer: offer(), now: 0 }, { type: 'offer/incoming', offer: offer(), now: 0 });
    expect(state.offers).toHaveLength(1);
  });
});

describe('stills', () => {
  const still = (id: string) => ({
    id,
    consultationId: 'c1',
    width: 1920,
    height: 1080,
    bytes: 1000,
    mime: 'image/png' as const,
    createdAt: '2026-01-01T10:00:00.000Z',
  });
  const inCall = run(connected, { type: 'call/joined', joined: joined('c1'), now: 0 });

  it('takes one still at a time and adds it to the gallery when it arrives', () => {
    const capturing = consoleReducer(inCall, { type: 'still/capturing' });
    expect(isCapturing(capturing.call!)).toBe(true);
    expect(consoleReducer(capturing, { type: 'still/capturing' })).toBe(capturing);
    const requested = consoleReducer(capturing, { type: 'still/requested', consultationId: 'c1', requestId: 'r1' });
    const done = consoleReducer(requested, { type: 'still/captured', captured: { consultationId: 'c1', requestId: 'r1', still: still('s1') } });
    expect(done.call!.stills.map((s) => s.id)).toEqual(['s1']);
    expect(done.call!.capture).toBeNull();
  });

  it('is not left capturing when the still arrives before the acknowledgement', () => {
    const early = run(
      connected,
      { type: 'call/joined', joined: joined('c1'), now: 0 },
      { type: 'still/capturing' },
      { type: 'still/captured', captured: { consultationId: 'c1', requestId: 'r1', still: still('s1') } },
      { type: 'still/requested', consultationId: 'c1', requestId: 'r1' },
    );
    expect(early.call!.capture).toBeNull();
    expect(early.call!.stills).toHaveLength(1);
  });

  it('shows why a still failed, and ignores another call’s', () => {
    const requested = run(
      connected,
      { type: 'call/joined', joined: joined('c1'), now: 0 },
      { type: 'still/capturing' },
      { type: 'still/requested', consultationId: 'c1', requestId: 'r1' },
    );
    expect(consoleReducer(requested, { type: 'still/failed', failed: { consultationId: 'c2', requestId: 'r1', reason: 'timeout' } })).toBe(requested);
    const failed = consoleReducer(requested, { type: 'still/failed', failed: { consultationId: 'c1', requestId: 'r1', reason: 'no_document_camera' } });
    expect(failed.call!.capture).toEqual({ failed: 'no_document_camera' });
    expect(isCapturing(failed.call!)).toBe(false);
  });
});
