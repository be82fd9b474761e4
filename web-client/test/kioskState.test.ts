import type { DepartmentSummary, DeviceProfile, KioskDepartment } from '@madoguchi/protocol';
import { describe, expect, it } from 'vitest';
import {
  acceptsCall,
  IDLE_RESET_SECONDS,
  initialKioskState,
  kioskReducer,
  resetsWhenIdle,
  type CallJoined,
  type KioskAction,
  type KioskState,
} from '../src/kioskState.ts';

const device: DeviceProfile = { id: 'dev1', name: 'タブレット1', site: { id: 'site1', name: '清滝郵便局' } };
const tax: KioskDepartment = { id: 'dep-tax', code: 'tax', name: '税務課', kioskText: '税金の こと' };
const welfare: DepartmentSummary = { id: 'dep-welfare', code: 'welfare', name: '福祉課' };
const childcare: DepartmentSummary = { id: 'dep-childcare', code: 'childcare', name: '子育て支援課' };
const departments = [tax, { id: 'dep-citizen', code: 'citizen', name: '市民課', kioskText: '住民票・引っ越し・マイナンバーカード' }];

function joined(consultationId = 'c1'): CallJoined {
  return {
    consultationId,
    joinId: 'join-1',
    role: 'resident',
    routerRtpCapabilities: { codecs: [] },
    site: device.site,
    department: tax,
    operatorName: '山田 花子',
    answered: true,
  };
}

/** The room entered while the operator's console rings: nobody has answered yet. */
function prepared(consultationId = 'c1'): CallJoined {
  return { ...joined(consultationId), operatorName: '', answered: false };
}

/** The settings button, and a right PIN (or a site without one). */
const UNLOCK: KioskAction[] = [{ type: 'clerkPinOpened' }, { type: 'settingsOpened' }];

function run(state: KioskState, ...actions: KioskAction[]): KioskState {
  return actions.reduce(kioskReducer, state);
}

const home = run(
  initialKioskState,
  { type: 'paired', device, departments, firstTime: false },
  { type: 'socketChanged', online: true },
);
const waiting = run(
  home,
  { type: 'requestStarted', department: tax },
  { type: 'requestAcknowledged', ack: { consultationId: 'c1', status: 'waiting', queuePosition: null, estimatedWaitSeconds: null, allOperatorsAway: false } },
);
const inCall = run(waiting, { type: 'callJoined', call: joined() });

describe('start-up and pairing', () => {
  it('goes from starting to pairing when there is no token, and to home once paired', () => {
    let state = run(initialKioskState, { type: 'needsPairing', error: null });
    expect(state.phase).toEqual({ name: 'pairing', error: null, checking: false });
    state = run(state, { type: 'pairingSubmitted' });
    expect(state.phase).toMatchObject({ name: 'pairing', checking: true });
    state = run(state, { type: 'pairingFailed', error: 'invalid' });
    expect(state.phase).toEqual({ name: 'pairing', error: 'invalid', checking: false });
    state = run(state, { type: 'pairingSubmitted' }, { type: 'paired', device, departments, firstTime: true });
    expect(state.phase.name).toBe('home');
    expect(state.device?.site.name).toBe('清滝郵便局');
    expect(state.departments).toHaveLength(2);
    expect(state.notice).toBe('paired');
  });

  it('shows a retry on start-up failure', () => {
    const failed = run(initialKioskState, { type: 'bootFailed' });
    expect(failed.phase).toEqual({ name: 'starting', failed: true });
    expect(run(failed, { type: 'bootRetried' }).phase).toEqual({ name: 'starting', failed: false });
  });

  it('forgets everything when the token is revoked, even mid-call', () => {
    const state = run(inCall, { type: 'needsPairing', error: 'revoked' });
    expect(state.phase).toEqual({ name: 'pairing', error: 'revoked', checking: false });
    expect(state.device).toBeNull();
    expect(state.departments).toEqual([]);
  });
});

describe('home and settings', () => {
  it('opens and closes the camera settings', () => {
    const settings = run(home, ...UNLOCK);
    expect(settings.phase.name).toBe('settings');
    expect(run(settings, { type: 'settingsClosed' }).phase.name).toBe('home');
  });

  it('opens the settings only through the clerk’s PIN pad', () => {
    expect(run(home, { type: 'settingsOpened' })).toBe(home);
    const asking = run(home, { type: 'clerkPinOpened' });
    expect(asking.phase).toEqual({ name: 'clerkPin', checking: true, attemptsLeft: null, lockedUntil: null, unreachable: false });
    const pad = run(asking, { type: 'clerkPinAsked', lockedUntil: null });
    const refused = run(pad, { type: 'clerkPinSubmitted' }, { type: 'clerkPinRefused', attemptsLeft: 4, lockedUntil: null });
    expect(refused.phase).toMatchObject({ name: 'clerkPin', checking: false, attemptsLeft: 4 });
    // A second submission while one is being checked is ignored.
    const checking = run(refused, { type: 'clerkPinSubmitted' });
    expect(run(checking, { type: 'clerkPinSubmitted' })).toBe(checking);
    expect(run(checking, { type: 'clerkPinRefused', attemptsLeft: 0, lockedUntil: 1_000 }).phase).toMatchObject({ attemptsLeft: 0, lockedUntil: 1_000 });
    expect(run(checking, { type: 'clerkPinUnreachable' }).phase).toMatchObject({ checking: false, unreachable: true });
    expect(run(checking, { type: 'settingsOpened' }).phase).toEqual({ name: 'settings' });
    expect(run(pad, { type: 'settingsClosed' }).phase).toEqual({ name: 'home' });
    expect(resetsWhenIdle(pad)).toBe(true);
  });

  it('does not start a consultation while offline', () => {
    const offline = run(home, { type: 'socketChanged', online: false });
    expect(run(offline, { type: 'requestStarted', department: tax })).toBe(offline);
  });
});

describe('職員を呼ぶ', () => {
  it('shows the call until a staff member answers, and presses while it is open stay one call', () => {
    const calling = run(home, { type: 'helpRequested' });
    expect(calling.help).toBe('calling');
    const called = run(calling, { type: 'helpSent' });
    expect(called.help).toBe('called');
    expect(run(called, { type: 'helpRequested' }).help).toBe('called');
    expect(run(called, { type: 'helpDismissed' })).toBe(called); // stays until answered
    const answered = run(called, { type: 'helpAcknowledged' });
    expect(answered.help).toBe('acknowledged');
    expect(run(answered, { type: 'helpDismissed' }).help).toBeNull();
    expect(run(calling, { type: 'helpFailed' }).help).toBe('failed');
  });

  it('ignores an answer to a call this page did not make (a reload)', () => {
    expect(run(home, { type: 'helpAcknowledged' })).toBe(home);
  });

  it('keeps the call from home to the waiting screen', () => {
    const called = run(home, { type: 'helpRequested' }, { type: 'helpSent' }, { type: 'requestStarted', department: tax });
    expect(called.phase.name).toBe('waiting');
    expect(called.help).toBe('called');
  });
});

describe('waiting', () => {
  it('records the consultation id and the queue position', () => {
    expect(waiting.phase).toMatchObject({ name: 'waiting', consultationId: 'c1', queuePosition: null, estimatedWaitSeconds: null, allOperatorsAway: false });
    const state = run(waiting, {
      type: 'statusChanged',
      status: { consultationId: 'c1', status: 'waiting', department: tax, queuePosition: 3, estimatedWaitSeconds: null, allOperatorsAway: false },
    });
    expect(state.phase).toMatchObject({ name: 'waiting', queuePosition: 3, status: 'waiting' });
  });

  it('shows the place the acknowledgement carries at once', () => {
    const state = run(
      home,
      { type: 'requestStarted', department: tax },
      { type: 'requestAcknowledged', ack: { consultationId: 'c2', status: 'waiting', queuePosition: 4, estimatedWaitSeconds: 600, allOperatorsAway: false } },
    );
    expect(state.phase).toMatchObject({ name: 'waiting', consultationId: 'c2', status: 'waiting', queuePosition: 4, estimatedWaitSeconds: 600 });
  });

  it('shows that everyone is away when the acknowledgement says so, without waiting for a push', () => {
    const state = run(
      home,
      { type: 'requestStarted', department: tax },
      { type: 'requestAcknowledged', ack: { consultationId: 'c4', status: 'waiting', queuePosition: 1, estimatedWaitSeconds: null, allOperatorsAway: true } },
    );
    expect(state.phase).toMatchObject({ name: 'waiting', consultationId: 'c4', queuePosition: 1, allOperatorsAway: true });
  });

  it('keeps a place pushed before the acknowledgement (it is newer)', () => {
    const state = run(
      home,
      { type: 'requestStarted', department: tax },
      { type: 'statusChanged', status: { consultationId: 'c3', status: 'waiting', department: tax, queuePosition: 2, estimatedWaitSeconds: null, allOperatorsAway: false } },
      { type: 'requestAcknowledged', ack: { consultationId: 'c3', status: 'waiting', queuePosition: 3, estimatedWaitSeconds: null, allOperatorsAway: false } },
    );
    expect(state.phase).toMatchObject({ consultationId: 'c3', queuePosition: 2 });
  });

  it('accepts a status push that arrives before the acknowledgement', () => {
    const state = run(home, { type: 'requestStarted', department: tax }, {
      type: 'statusChanged',
      status: { consultationId: 'c9', status: 'waiting', department: tax, queuePosition: 1, estimatedWaitSeconds: null, allOperatorsAway: false },
    });
    expect(state.phase).toMatchObject({ name: 'waiting', consultationId: 'c9', queuePosition: 1, estimatedWaitSeconds: null, allOperatorsAway: false });
  });

  it('tells the waiting resident when every operator is away, and when one is back', () => {
    const status = { consultationId: 'c1', status: 'waiting' as const, department: tax, queuePosition: 1, estimatedWaitSeconds: null };
    const allAway = run(waiting, { type: 'statusChanged', status: { ...status, allOperatorsAway: true } });
    expect(allAway.phase).toMatchObject({ name: 'waiting', allOperatorsAway: true });
    const back = run(allAway, { type: 'statusChanged', status: { ...status, estimatedWaitSeconds: 600, allOperatorsAway: false } });
    expect(back.phase).toMatchObject({ name: 'waiting', allOperatorsAway: false, estimatedWaitSeconds: 600 });
  });

  it('keeps each department’s availability for the home screen, replaced by every push', () => {
    const entry = { departmentId: tax.id, refusal: null, nextOpeningAt: null, waiting: 2, estimatedWaitSeconds: 1800, allOperatorsAway: false };
    let state = run(home, { type: 'availabilityChanged', availability: { departments: [entry] } });
    expect(state.availability[tax.id]).toEqual(entry);
    state = run(state, { type: 'availabilityChanged', availability: { departments: [{ ...entry, refusal: 'outside_hours', estimatedWaitSeconds: null }] } });
    expect(state.availability[tax.id]?.refusal).toBe('outside_hours');
  });

  it('shows the estimate, and a refusal with the way to ask for a callback', () => {
    const estimated = run(waiting, {
      type: 'statusChanged',
      status: { consultationId: 'c1', status: 'waiting', department: tax, queuePosition: 2, estimatedWaitSeconds: 420, allOperatorsAway: false },
    });
    expect(estimated.phase).toMatchObject({ queuePosition: 2, estimatedWaitSeconds: 420, refusal: null });
    const refused = run(waiting, {
      type: 'refused',
      refused: { consultationId: 'c1', department: tax, reason: 'outside_hours', nextOpeningAt: '2026-11-24T23:30:00.000Z' },
    });
    expect(refused.phase).toMatchObject({ refusal: { reason: 'outside_hours', nextOpeningAt: '2026-11-24T23:30:00.000Z' } });
    const called = run(refused, { type: 'callEnded', consultationId: 'c1', outcome: 'callback_requested', endedBy: 'resident' });
    expect(called.phase.name).toBe('home');
    expect(called.notice).toBe('callbackRequested');
  });

  it('keeps the call through a transfer and names the new department and staff member once they answer', () => {
    const inCall = run(waiting, { type: 'callJoined', call: joined('c1') });
    expect(inCall.phase).toMatchObject({ name: 'call', serving: [{ name: '山田 花子', department: tax }] });
    // The transferring operator leaves the call, then the resident waits in 福祉課's queue.
    const transferred = run(
      inCall,
      { type: 'participantsChanged', participants: { consultationId: 'c1', operators: [] } },
      {
        type: 'statusChanged',
        status: { consultationId: 'c1', status: 'waiting', department: welfare, queuePosition: 1, estimatedWaitSeconds: null, allOperatorsAway: false },
      },
    );
    expect(transferred.phase).toMatchObject({ name: 'call', serving: [], transfer: { department: welfare, queuePosition: 1 } });
    const answered = run(transferred, {
      type: 'participantsChanged',
      participants: { consultationId: 'c1', operators: [{ staffId: 's2', name: '福祉 花子', department: welfare }] },
    });
    expect(answered.phase).toMatchObject({ name: 'call', transfer: null, serving: [{ name: '福祉 花子', department: welfare }] });
  });

  it('names every department in a one-stop call, and only the one left after the first operator leaves', () => {
    const lead = { staffId: 's1', name: '山田 花子', department: tax };
    const specialist = { staffId: 's3', name: '子育 一郎', department: childcare };
    const threeParty = run(inCall, { type: 'participantsChanged', participants: { consultationId: 'c1', operators: [lead, specialist] } });
    expect(threeParty.phase).toMatchObject({
      serving: [
        { name: '山田 花子', department: tax },
        { name: '子育 一郎', department: childcare },
      ],
    });
    const leadLeft = run(threeParty, { type: 'participantsChanged', participants: { consultationId: 'c1', operators: [specialist] } });
    expect(leadLeft.phase).toMatchObject({ name: 'call', serving: [{ name: '子育 一郎', department: childcare }], transfer: null });
    // Someone else's call changes nothing here.
    const other = run(leadLeft, { type: 'participantsChanged', participants: { consultationId: 'other', operators: [lead] } });
    expect(other).toBe(leadLeft);
  });

  it('ignores pushes about other consultations', () => {
    const state = run(waiting, {
      type: 'statusChanged',
      status: { consultationId: 'other', status: 'waiting', department: tax, queuePosition: 7, estimatedWaitSeconds: null, allOperatorsAway: false },
    });
    expect(state).toBe(waiting);
    expect(run(waiting, { type: 'callJoined', call: joined('other') })).toBe(waiting);
    expect(run(waiting, { type: 'callEnded', consultationId: 'other', outcome: 'completed', endedBy: 'operator' })).toBe(
      waiting,
    );
  });

  it('goes home with a notice when nobody can answer', () => {
    const failed = run(home, { type: 'requestStarted', department: tax }, { type: 'requestFailed', notice: 'noOperator' });
    expect(failed.phase.name).toBe('home');
    expect(failed.notice).toBe('noOperator');
    const ended = run(waiting, {
      type: 'statusChanged',
      status: { consultationId: 'c1', status: 'ended', department: tax, queuePosition: null, estimatedWaitSeconds: null, allOperatorsAway: false },
    });
    expect(ended.phase.name).toBe('home');
    expect(ended.notice).toBe('waitingEnded');
  });

  it('cancels: no call is accepted while cancelling, then home', () => {
    const cancelling = run(waiting, { type: 'cancelRequested' });
    expect(cancelling.phase).toMatchObject({ name: 'waiting', cancelling: true });
    expect(acceptsCall(cancelling, joined())).toBe(false);
    expect(run(cancelling, { type: 'callJoined', call: joined() })).toBe(cancelling);
    const done = run(cancelling, { type: 'cancelled' });
    expect(done.phase.name).toBe('home');
    expect(done.notice).toBe('cancelled');
  });
});

describe('call', () => {
  it('joins the call from waiting', () => {
    expect(acceptsCall(waiting, joined())).toBe(true);
    expect(inCall.phase).toEqual({ name: 'call', call: joined(), serving: [{ name: '山田 花子', department: tax }], ending: false, transfer: null, supervision: null });
  });

  it("keeps the media prepared while the operator's console rings on the waiting screen, and enters the call when they answer", () => {
    const offered = run(waiting, {
      type: 'statusChanged',
      status: { consultationId: 'c1', status: 'offered', department: tax, queuePosition: null, estimatedWaitSeconds: null, allOperatorsAway: false },
    });
    expect(acceptsCall(offered, prepared())).toBe(true);
    const ringing = run(offered, { type: 'callJoined', call: prepared() });
    expect(ringing.phase).toMatchObject({ name: 'waiting', status: 'offered', preparedCall: prepared() });
    const answered = run(ringing, { type: 'callAnswered', answered: { consultationId: 'c1', operatorName: '山田 花子', department: tax } });
    expect(answered.phase).toEqual({ name: 'call', call: joined(), serving: [{ name: '山田 花子', department: tax }], ending: false, transfer: null, supervision: null });
    // Another consultation's answer, or one without prepared media, changes nothing.
    expect(run(ringing, { type: 'callAnswered', answered: { consultationId: 'other', operatorName: '田中', department: tax } })).toBe(ringing);
    expect(run(offered, { type: 'callAnswered', answered: { consultationId: 'c1', operatorName: '田中', department: tax } })).toBe(offered);
  });

  it('gives up the prepared media when the offer goes unanswered, and prepares nothing outside its own waiting screen', () => {
    const ringing = run(waiting, { type: 'callJoined', call: prepared() });
    const released = run(ringing, { type: 'callReleased', consultationId: 'c1' });
    expect(released.phase).toMatchObject({ name: 'waiting', preparedCall: null });
    expect(run(ringing, { type: 'callReleased', consultationId: 'other' })).toBe(ringing);
    // A reloaded page on its home screen, a cancelling resident, another request: not theirs to send.
    expect(acceptsCall(home, prepared())).toBe(false);
    expect(acceptsCall(run(waiting, { type: 'cancelRequested' }), prepared())).toBe(false);
    expect(acceptsCall(waiting, prepared('other'))).toBe(false);
    expect(acceptsCall(inCall, prepared())).toBe(false);
  });

  it('joins from home the call the server held for this tablet (a page reload, a server restart)', () => {
    expect(acceptsCall(home, joined())).toBe(true);
    expect(run(home, { type: 'callJoined', call: joined() }).phase).toMatchObject({ name: 'call', call: joined(), ending: false });
  });

  it('stays in the same call when joined again (a rejoin, a rebuilt room) and takes its new details', () => {
    const again = { ...joined(), operatorName: '田中' };
    const next = run(inCall, { type: 'callJoined', call: again });
    expect(next.phase).toMatchObject({ name: 'call', call: again, ending: false });
    expect(acceptsCall(inCall, { ...joined(), consultationId: 'other' })).toBe(false);
  });

  it('says what the server tells of live supervision in this call, and nothing of another', () => {
    const consultationId = joined().consultationId;
    const listening = run(inCall, { type: 'supervisionNotice', notice: { consultationId, notice: 'listening' } });
    expect(listening.phase).toMatchObject({ name: 'call', supervision: 'listening' });
    expect(run(listening, { type: 'supervisionNotice', notice: { consultationId, notice: 'joined' } }).phase).toMatchObject({ supervision: 'joined' });
    expect(run(listening, { type: 'supervisionNotice', notice: { consultationId, notice: null } }).phase).toMatchObject({ supervision: null });
    expect(run(inCall, { type: 'supervisionNotice', notice: { consultationId: 'other', notice: 'joined' } })).toBe(inCall);
  });

  it('is back in the queue after a reload: the held request, its place and its refusal', () => {
    const status = { consultationId: 'c9', status: 'waiting' as const, department: tax, queuePosition: 2, estimatedWaitSeconds: 300, allOperatorsAway: false };
    expect(run(home, { type: 'statusChanged', status }).phase).toMatchObject({ name: 'waiting', consultationId: 'c9', queuePosition: 2 });
    const refused = { consultationId: 'c9', department: tax, reason: 'outside_hours' as const, nextOpeningAt: null };
    expect(run(home, { type: 'refused', refused }).phase).toMatchObject({ name: 'waiting', refusal: { reason: 'outside_hours' } });
  });

  it('ends by the resident: ending, then the rating with nothing of the call kept but its id', () => {
    const ending = run(inCall, { type: 'endRequested' });
    expect(ending.phase).toMatchObject({ name: 'call', ending: true });
    const done = run(ending, { type: 'callEnded', consultationId: 'c1', outcome: 'completed', endedBy: 'resident' });
    expect(done.phase).toEqual({ name: 'rating', consultationId: 'c1', endedBy: 'resident', score: null, stage: 'choose' });
    expect(done.notice).toBeNull();
    expect(JSON.stringify(done)).not.toContain('山田');
    expect(done.device).toEqual(device);
  });

  it('rates: a face is chosen, sent, thanked, then home; idle goes home too', () => {
    const rating = run(inCall, { type: 'callEnded', consultationId: 'c1', outcome: 'completed', endedBy: 'operator' });
    expect(rating.phase).toMatchObject({ name: 'rating', endedBy: 'operator' });
    expect(run(rating, { type: 'ratingSubmitted' })).toBe(rating); // nothing chosen yet
    const chosen = run(rating, { type: 'ratingChosen', score: 4 });
    expect(chosen.phase).toMatchObject({ score: 4, stage: 'choose' });
    const sending = run(chosen, { type: 'ratingSubmitted' });
    expect(sending.phase).toMatchObject({ stage: 'sending' });
    expect(run(sending, { type: 'ratingChosen', score: 1 })).toBe(sending);
    const thanks = run(sending, { type: 'ratingSent' });
    expect(thanks.phase).toMatchObject({ stage: 'thanks', score: 4 });
    expect(run(thanks, { type: 'ratingFinished' })).toMatchObject({ phase: { name: 'home' }, notice: null });
    expect(resetsWhenIdle(chosen)).toBe(true);
    expect(run(chosen, { type: 'idleTimeout' }).phase).toEqual({ name: 'home' });
  });

  it('goes home after a failed call, with the notice (nothing to rate)', () => {
    const failed = run(inCall, { type: 'callEnded', consultationId: 'c1', outcome: 'failed', endedBy: 'system' });
    expect(failed.phase).toEqual({ name: 'home' });
    expect(failed.notice).toBe('callFailed');
  });

  it('ignores a second call:ended once the call is over', () => {
    const done = run(inCall, { type: 'callEnded', consultationId: 'c1', outcome: 'completed', endedBy: 'resident' });
    expect(run(done, { type: 'callEnded', consultationId: 'c1', outcome: 'completed', endedBy: 'operator' })).toBe(done);
    expect(run(done, { type: 'statusChanged', status: { consultationId: 'c1', status: 'ended', department: tax, queuePosition: null, estimatedWaitSeconds: null, allOperatorsAway: false } })).toBe(done);
  });
});

describe('reconnecting', () => {
  it('goes home when the server no longer holds the consultation on screen', () => {
    expect(run(waiting, { type: 'currentConsultation', consultationId: null })).toMatchObject({
      phase: { name: 'home' },
      notice: 'connectionLost',
    });
    const inCall = run(waiting, { type: 'callJoined', call: joined('c1') });
    expect(run(inCall, { type: 'currentConsultation', consultationId: null }).phase.name).toBe('home');
  });

  it('stays where it is when the server still holds it, or when nothing is on screen', () => {
    expect(run(waiting, { type: 'currentConsultation', consultationId: 'c1' })).toBe(waiting);
    expect(run(home, { type: 'currentConsultation', consultationId: null })).toBe(home);
  });
});

describe('pre-call check', () => {
  it('is reached from the settings and goes back to them', () => {
    const settings = run(home, ...UNLOCK);
    const precheck = run(settings, { type: 'precheckOpened' });
    expect(precheck.phase).toEqual({ name: 'precheck' });
    expect(run(precheck, { type: 'precheckClosed' }).phase).toEqual({ name: 'settings' });
  });

  it('cannot be opened from home, where residents are (only from the clerk’s settings)', () => {
    expect(run(home, { type: 'precheckOpened' })).toBe(home);
    expect(run(waiting, { type: 'precheckOpened' })).toBe(waiting);
  });

  it('does not start a consultation from the pre-call check', () => {
    const precheck = run(home, ...UNLOCK, { type: 'precheckOpened' });
    expect(run(precheck, { type: 'requestStarted', department: tax })).toBe(precheck);
  });
});

describe('idle reset', () => {
  it('is a couple of minutes', () => {
    expect(IDLE_RESET_SECONDS).toBeGreaterThanOrEqual(60);
    expect(IDLE_RESET_SECONDS).toBeLessThanOrEqual(300);
  });

  it('takes the settings and the pre-call check back to home', () => {
    const settings = run(home, ...UNLOCK);
    const precheck = run(settings, { type: 'precheckOpened' });
    for (const state of [settings, precheck]) {
      expect(resetsWhenIdle(state)).toBe(true);
      const after = run(state, { type: 'idleTimeout' });
      expect(after.phase).toEqual({ name: 'home' });
      expect(after.notice).toBeNull();
      expect(after.device).toEqual(device); // still paired
    }
  });

  it('clears a notice left on the home screen', () => {
    const cancelled = run(waiting, { type: 'cancelRequested' }, { type: 'cancelled' });
    expect(cancelled.notice).toBe('cancelled');
    expect(resetsWhenIdle(cancelled)).toBe(true);
    const after = run(cancelled, { type: 'idleTimeout' });
    expect(after.phase).toEqual({ name: 'home' });
    expect(after.notice).toBeNull();
  });

  it('leaves a plain home screen alone', () => {
    expect(resetsWhenIdle(home)).toBe(false);
    expect(run(home, { type: 'idleTimeout' })).toBe(home);
  });

  it('never interrupts the waiting or the call screen', () => {
    const inCall = run(waiting, { type: 'callJoined', call: joined() });
    const ending = run(inCall, { type: 'endRequested' });
    for (const state of [waiting, inCall, ending]) {
      expect(resetsWhenIdle(state)).toBe(false);
      expect(run(state, { type: 'idleTimeout' })).toBe(state);
    }
  });

  it('does not touch pairing or start-up', () => {
    const pairing = run(initialKioskState, { type: 'needsPairing', error: null });
    expect(resetsWhenIdle(pairing)).toBe(false);
    expect(run(pairing, { type: 'idleTimeout' })).toBe(pairing);
    expect(run(initialKioskState, { type: 'idleTimeout' })).toBe(initialKioskState);
  });
});

describe('予約の方 and the clerk’s booking form', () => {
  it('checks a code in: refused codes stay on the pad, a checked-in booking waits for its department', () => {
    let state = run(home, { type: 'reservationCodeOpened' });
    expect(state.phase).toEqual({ name: 'reservationCode', checking: false, notFound: false });
    expect(resetsWhenIdle(state)).toBe(true);
    state = run(state, { type: 'reservationCodeSubmitted' });
    expect(state.phase).toMatchObject({ checking: true });
    state = run(state, { type: 'reservationCodeRefused' });
    expect(state.phase).toEqual({ name: 'reservationCode', checking: false, notFound: true });
    state = run(
      state,
      { type: 'reservationCodeSubmitted' },
      { type: 'requestStarted', department: welfare },
      { type: 'requestAcknowledged', ack: { consultationId: 'c9', status: 'waiting', queuePosition: 1, estimatedWaitSeconds: 60, allOperatorsAway: false } },
    );
    expect(state.phase).toMatchObject({ name: 'waiting', department: welfare, consultationId: 'c9', queuePosition: 1 });
    expect(run(home, { type: 'reservationCodeOpened' }, { type: 'reservationCodeClosed' }).phase).toEqual({ name: 'home' });
    expect(run(home, { type: 'reservationCodeOpened' }, { type: 'requestFailed', notice: 'requestFailed' })).toMatchObject({ phase: { name: 'home' }, notice: 'requestFailed' });
  });

  it('opens the booking form from the clerk’s settings only, and goes back to them', () => {
    expect(run(home, { type: 'bookingOpened' })).toBe(home);
    const booking = run(home, ...UNLOCK, { type: 'bookingOpened' });
    expect(booking.phase).toEqual({ name: 'booking' });
    expect(resetsWhenIdle(booking)).toBe(true);
    expect(run(booking, { type: 'bookingClosed' }).phase).toEqual({ name: 'settings' });
    expect(run(booking, { type: 'idleTimeout' }).phase).toEqual({ name: 'home' });
  });
});
