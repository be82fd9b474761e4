import { describe, expect, it } from 'vitest';
import { CORE_DEFAULTS, RoutingCore, RoutingError, tokyoInstant, type RoutingErrorCode } from '../../src/routing/core/index.ts';
import { FakeClock, setup, TEST_SETTINGS } from './support.ts';

function expectRoutingError(action: () => unknown, code: RoutingErrorCode): RoutingError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(RoutingError);
    expect((error as RoutingError).code).toBe(code);
    return error as RoutingError;
  }
  throw new Error(`expected a RoutingError ${code}`);
}

describe('RoutingCore: offers', () => {
  it('offers to the longest-idle available primary operator, one offer per operator', () => {
    const { clock, core, log } = setup();
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    clock.advance(1_000);
    core.addOperator({ operatorId: 'b', primary: ['tax'], presence: 'available' });
    core.addOperator({ operatorId: 'w', primary: ['welfare'], presence: 'available' });

    expect(core.request({ consultationId: 'c1', departmentId: 'tax' })).toMatchObject({ accepted: true, status: 'offered', position: null });
    expect(log.last('offered')).toMatchObject({ consultationId: 'c1', operatorId: 'a', tier: 'primary', ringTimeoutMs: 20_000 });
    expect(core.request({ consultationId: 'c2', departmentId: 'tax' })).toMatchObject({ status: 'offered' });
    expect(log.last('offered')).toMatchObject({ consultationId: 'c2', operatorId: 'b' });
    // Both tax operators ring: the third request waits, and no one gets a second offer.
    expect(core.request({ consultationId: 'c3', departmentId: 'tax' })).toMatchObject({ status: 'waiting', position: 1 });
    expect(log.of('offered')).toHaveLength(2);
    expect(core.operator('a')).toMatchObject({ presence: 'offered', consultationId: 'c1' });
    expect(core.operator('w')).toMatchObject({ presence: 'available' });

    core.accept('a', 'c1');
    expect(log.last('answered')).toMatchObject({ consultationId: 'c1', operatorId: 'a', waitedMs: 0, transferred: false });
    expect(core.consultation('c1')).toMatchObject({ phase: 'in_call', operatorId: 'a' });
    core.endCall('c1'); // wrapUpMs 0: a is available at once and takes the waiting request
    expect(log.last('ended')).toMatchObject({ consultationId: 'c1', outcome: 'completed', operatorIds: ['a'] });
    expect(log.last('offered')).toMatchObject({ consultationId: 'c3', operatorId: 'a' });
  });

  it('moves a ringing offer to the next operator when the ring timeout passes', () => {
    const { clock, core, log } = setup([{ departmentId: 'tax', ringTimeoutMs: 15_000 }]);
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    core.addOperator({ operatorId: 'b', primary: ['tax'], presence: 'available' });
    core.request({ consultationId: 'c1', departmentId: 'tax' });
    expect(log.last('offered')).toMatchObject({ operatorId: 'a', ringTimeoutMs: 15_000 });
    clock.advance(14_999);
    expect(log.of('offerWithdrawn')).toHaveLength(0);
    clock.advance(1);
    expect(log.last('offerWithdrawn')).toMatchObject({ consultationId: 'c1', operatorId: 'a', reason: 'timeout' });
    expect(log.last('offered')).toMatchObject({ consultationId: 'c1', operatorId: 'b' });
    expect(core.operator('a')).toMatchObject({ presence: 'available', missedOffers: 1 });
    // b lets it ring out too: nobody left who has not missed it, so it waits.
    clock.advance(15_000);
    expect(core.consultation('c1')).toMatchObject({ phase: 'waiting', passedOver: ['a', 'b'] });
    expect(core.queueStatus('c1')).toMatchObject({ status: 'waiting', position: 1 });
  });

  it('sets an operator away (missed_offers) after N missed offers in a row; an answer resets the count', () => {
    const { clock, core, log } = setup([{ departmentId: 'tax', maxMissedOffers: 2 }]);
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    core.request({ consultationId: 'c1', departmentId: 'tax' });
    clock.advance(20_000);
    expect(core.operator('a')).toMatchObject({ presence: 'available', missedOffers: 1 });
    core.request({ consultationId: 'c2', departmentId: 'tax' });
    core.accept('a', 'c2'); // answering resets the streak
    expect(core.operator('a')?.missedOffers).toBe(0);
    core.endCall('c2');
    core.request({ consultationId: 'c3', departmentId: 'tax' });
    clock.advance(20_000);
    expect(core.operator('a')?.missedOffers).toBe(1);
    core.request({ consultationId: 'c4', departmentId: 'tax' });
    log.clear();
    clock.advance(20_000);
    expect(core.operator('a')).toMatchObject({ presence: 'away', awayReason: 'missed_offers', missedOffers: 2 });
    expect(log.of('operatorSetAway')).toEqual([expect.objectContaining({ operatorId: 'a', reason: 'missed_offers', missedOffers: 2 })]);
    expect(log.last('presenceChanged')).toMatchObject({ operatorId: 'a', presence: 'away', awayReason: 'missed_offers' });
    // Back at the desk: 受付可 clears the reason and the count. c1, c3, c4 were all missed by a.
    core.setPresence('a', 'available');
    expect(core.operator('a')).toMatchObject({ presence: 'available', awayReason: null, missedOffers: 0 });
    core.request({ consultationId: 'c5', departmentId: 'tax' });
    expect(log.last('offered')).toMatchObject({ consultationId: 'c5', operatorId: 'a' });
  });

  it('on decline offers the next operator and does not offer that request to the decliner again for a while', () => {
    const { clock, core, log } = setup();
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    clock.advance(10);
    core.addOperator({ operatorId: 'b', primary: ['tax'], presence: 'available' });
    core.request({ consultationId: 'c1', departmentId: 'tax' });
    core.decline('a', 'c1');
    expect(log.last('offerWithdrawn')).toMatchObject({ operatorId: 'a', reason: 'declined' });
    expect(log.last('offered')).toMatchObject({ consultationId: 'c1', operatorId: 'b' });
    expect(core.operator('a')).toMatchObject({ presence: 'available', missedOffers: 0 });
    core.decline('b', 'c1');
    expect(core.consultation('c1')).toMatchObject({ phase: 'waiting', passedOver: ['a', 'b'] });
    // A later request goes to the decliners; c1 waits for someone else.
    core.request({ consultationId: 'c2', departmentId: 'tax' });
    expect(log.last('offered')).toMatchObject({ consultationId: 'c2', operatorId: 'a' });
    core.addOperator({ operatorId: 'c', primary: ['tax'], presence: 'available' });
    expect(log.last('offered')).toMatchObject({ consultationId: 'c1', operatorId: 'c' });
  });

  it('asks a decliner again after passOverMs when nobody else has answered; null: never', () => {
    for (const passOverMs of [45_000, null]) {
      const { clock, core, log } = setup([{ departmentId: 'welfare', passOverMs }]);
      core.addOperator({ operatorId: 'only', primary: ['welfare'], presence: 'available' });
      core.request({ consultationId: 'c1', departmentId: 'welfare' });
      core.decline('only', 'c1'); // e.g. pressed 辞退 by mistake, in a department of one
      expect(core.consultation('c1')).toMatchObject({ phase: 'waiting', passedOver: ['only'] });
      log.clear();
      clock.advance(44_999);
      expect(log.of('offered')).toHaveLength(0);
      clock.advance(1);
      if (passOverMs === null) {
        clock.advance(3_600_000);
        expect(log.of('offered')).toHaveLength(0);
        expect(core.consultation('c1')).toMatchObject({ phase: 'waiting', passedOver: ['only'] });
      } else {
        expect(log.of('offered')).toEqual([expect.objectContaining({ consultationId: 'c1', operatorId: 'only' })]);
        expect(core.consultation('c1')).toMatchObject({ phase: 'offered', passedOver: [] });
      }
      core.close();
    }
  });

  it('asks an operator who let a request ring out again later; missing it again sets them away', () => {
    const { clock, core, log } = setup([{ departmentId: 'tax', ringTimeoutMs: 20_000, passOverMs: 30_000, maxMissedOffers: 2 }]);
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    core.request({ consultationId: 'c1', departmentId: 'tax' });
    clock.advance(20_000); // rang out
    expect(core.operator('a')).toMatchObject({ presence: 'available', missedOffers: 1 });
    clock.advance(30_000); // the pass is over: asked again
    expect(log.last('offered')).toMatchObject({ consultationId: 'c1', operatorId: 'a' });
    clock.advance(20_000); // rang out again
    expect(core.operator('a')).toMatchObject({ presence: 'away', awayReason: 'missed_offers', missedOffers: 2 });
    expect(core.consultation('c1')).toMatchObject({ phase: 'waiting' });
  });

  it('keeps no pass timer once the request has ended, and none after close', () => {
    const { clock, core } = setup([{ departmentId: 'tax', passOverMs: 60_000 }]);
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    core.addOperator({ operatorId: 'b', primary: ['tax'], presence: 'available' });
    core.request({ consultationId: 'c1', departmentId: 'tax' });
    core.decline('a', 'c1');
    core.decline('b', 'c1');
    expect(clock.pending).toBe(2); // one pass timer per decliner
    core.cancel('c1');
    expect(clock.pending).toBe(0);
    core.request({ consultationId: 'c2', departmentId: 'tax' });
    core.decline('a', 'c2');
    expect(clock.pending).toBeGreaterThan(0);
    core.close();
    expect(clock.pending).toBe(0);
  });

  it('gives each waiting request to the next free operator in FIFO order with priority', () => {
    const { clock, core, log } = setup();
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'away' });
    core.request({ consultationId: 'old', departmentId: 'tax' });
    clock.advance(1_000);
    core.request({ consultationId: 'new', departmentId: 'tax' });
    clock.advance(1_000);
    core.request({ consultationId: 'urgent', departmentId: 'tax', priority: 1 });
    expect(core.queue('tax').entries.map((entry) => entry.consultationId)).toEqual(['urgent', 'old', 'new']);
    core.setPresence('a', 'available');
    expect(log.last('offered')).toMatchObject({ consultationId: 'urgent', operatorId: 'a' });
  });

  it('delivers events after the command, so a listener may answer at once', () => {
    const { core, log } = setup();
    core.events.on('offered', (offer) => core.accept(offer.operatorId, offer.consultationId));
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    const result = core.request({ consultationId: 'c1', departmentId: 'tax' });
    expect(result).toMatchObject({ status: 'offered' }); // the state when the command returned
    expect(core.consultation('c1')).toMatchObject({ phase: 'in_call', operatorId: 'a' });
    expect(log.all.map((event) => event.type).filter((type) => type !== 'queueChanged' && type !== 'queueTouched' && type !== 'presenceChanged')).toEqual([
      'offered',
      'answered',
    ]);
  });
});

describe('RoutingCore: widening and overflow', () => {
  it('lets secondary-skill operators answer only after the secondary delay, without resetting the wait', () => {
    const { clock, core, log } = setup([{ departmentId: 'tax', secondaryDelayMs: 30_000 }, { departmentId: 'welfare' }]);
    core.addOperator({ operatorId: 't', primary: ['tax'], presence: 'away' });
    core.addOperator({ operatorId: 'w', primary: ['welfare'], secondary: ['tax'], presence: 'available' });
    core.request({ consultationId: 'c1', departmentId: 'tax' });
    clock.advance(29_999);
    expect(log.of('offered')).toHaveLength(0);
    expect(core.queueStatus('c1')).toMatchObject({ position: 1 });
    clock.advance(1);
    expect(log.of('widened')).toEqual([expect.objectContaining({ consultationId: 'c1', departmentId: 'tax' })]);
    expect(log.last('offered')).toMatchObject({ consultationId: 'c1', operatorId: 'w', tier: 'secondary' });
    core.accept('w', 'c1');
    expect(log.last('answered')).toMatchObject({ operatorId: 'w', tier: 'secondary', waitedMs: 30_000 });
  });

  it('prefers a primary operator to a secondary one even when the secondary one has been idle longer', () => {
    const { clock, core, log } = setup([{ departmentId: 'tax', secondaryDelayMs: 0 }, { departmentId: 'welfare' }]);
    core.addOperator({ operatorId: 'w', primary: ['welfare'], secondary: ['tax'], presence: 'available' });
    clock.advance(60_000);
    core.addOperator({ operatorId: 't', primary: ['tax'], presence: 'available' });
    core.request({ consultationId: 'c1', departmentId: 'tax' });
    expect(log.last('offered')).toMatchObject({ operatorId: 't', tier: 'primary' });
    // and an operator serves their own department before a widened one
    core.accept('t', 'c1');
    core.setPresence('w', 'away');
    core.request({ consultationId: 'tax-2', departmentId: 'tax' });
    clock.advance(1_000);
    core.request({ consultationId: 'welfare-1', departmentId: 'welfare' });
    core.setPresence('w', 'available');
    expect(log.last('offered')).toMatchObject({ consultationId: 'welfare-1', operatorId: 'w', tier: 'primary' });
  });

  it('overflows to the general counter after the department delay, and only where configured', () => {
    const { clock, core, log } = setup([
      { departmentId: 'tax', overflow: { targetDepartmentId: 'general', delayMs: 60_000 } },
      { departmentId: 'welfare', overflow: null },
      { departmentId: 'general' },
    ]);
    core.addOperator({ operatorId: 't', primary: ['tax'], presence: 'away' });
    core.addOperator({ operatorId: 'w', primary: ['welfare'], presence: 'away' });
    core.addOperator({ operatorId: 'g', primary: ['general'], presence: 'available' });
    core.request({ consultationId: 'tax-1', departmentId: 'tax' });
    core.request({ consultationId: 'welfare-1', departmentId: 'welfare' });
    clock.advance(59_999);
    expect(log.of('overflowed')).toHaveLength(0);
    clock.advance(1);
    expect(log.of('overflowed')).toEqual([
      expect.objectContaining({ consultationId: 'tax-1', fromDepartmentId: 'tax', toDepartmentId: 'general' }),
    ]);
    expect(log.last('offered')).toMatchObject({ consultationId: 'tax-1', operatorId: 'g', tier: 'overflow', departmentId: 'tax' });
    clock.advance(10 * 60_000);
    expect(core.consultation('welfare-1')).toMatchObject({ phase: 'waiting', overflowTo: null });
  });

  it('gives the general counter its own queue before overflowed requests', () => {
    const { core, log } = setup([
      { departmentId: 'tax', overflow: { targetDepartmentId: 'general', delayMs: 0 } },
      { departmentId: 'general' },
    ]);
    core.addOperator({ operatorId: 'g', primary: ['general'], presence: 'away' });
    core.request({ consultationId: 'tax-1', departmentId: 'tax' }); // accepted: the overflow target is staffed
    expect(log.last('overflowed')).toMatchObject({ consultationId: 'tax-1' });
    core.request({ consultationId: 'general-1', departmentId: 'general' });
    core.setPresence('g', 'available');
    expect(log.last('offered')).toMatchObject({ consultationId: 'general-1', tier: 'primary' });
  });
});

describe('RoutingCore: transfer and specialists', () => {
  it('queues a transferred resident ahead of normal arrivals with the original request time', () => {
    const { clock, core, log } = setup([{ departmentId: 'tax' }, { departmentId: 'welfare', wrapUpMs: 0 }], { wrapUpMs: 30_000 });
    core.addOperator({ operatorId: 't', primary: ['tax'], presence: 'available' });
    core.addOperator({ operatorId: 'w', primary: ['welfare'], presence: 'available' });
    core.request({ consultationId: 'c0', departmentId: 'tax' });
    core.accept('t', 'c0');
    core.request({ consultationId: 'w0', departmentId: 'welfare' });
    core.accept('w', 'w0');
    clock.advance(1_000);
    core.request({ consultationId: 'r1', departmentId: 'welfare' });
    clock.advance(1_000);
    core.request({ consultationId: 'r2', departmentId: 'welfare' });
    clock.advance(8_000);

    const status = core.transfer('c0', 'welfare', 't');
    expect(status).toMatchObject({ status: 'waiting', position: 1 });
    expect(log.last('transferred')).toMatchObject({ consultationId: 'c0', fromDepartmentId: 'tax', toDepartmentId: 'welfare', byOperatorId: 't' });
    expect(core.operator('t')).toMatchObject({ presence: 'wrap_up' });
    expect(core.consultation('c0')).toMatchObject({ requestedAt: tokyoInstant('2026-11-25', '10:00'), priority: 1, transfers: 1 });
    const welfareQueue = log.of('queueChanged').filter((event) => event.departmentId === 'welfare').at(-1);
    expect(welfareQueue?.positions.map((p) => [p.consultationId, p.position])).toEqual([
      ['c0', 1],
      ['r1', 2],
      ['r2', 3],
    ]);
    core.endCall('w0');
    expect(log.last('offered')).toMatchObject({ consultationId: 'c0', operatorId: 'w', transferred: true });
    core.accept('w', 'c0');
    expect(log.last('answered')).toMatchObject({ consultationId: 'c0', waitedMs: 10_000, transferred: true });
  });

  it('refuses a transfer to a closed or unstaffed department and keeps the call', () => {
    const { core } = setup([{ departmentId: 'tax' }, { departmentId: 'welfare' }]);
    core.addOperator({ operatorId: 't', primary: ['tax'], presence: 'available' });
    core.request({ consultationId: 'c0', departmentId: 'tax' });
    core.accept('t', 'c0');
    const error = expectRoutingError(() => core.transfer('c0', 'welfare', 't'), 'target_unavailable');
    expect(error.details).toMatchObject({ reason: 'no_operator' });
    expect(core.consultation('c0')).toMatchObject({ phase: 'in_call', operatorId: 't' });
    expectRoutingError(() => core.transfer('c0', 'welfare', 'someone-else'), 'not_in_call');
  });

  it('brings a specialist into the call while the first operator stays, then lets one leave', () => {
    const { core, log } = setup();
    core.addOperator({ operatorId: 't', primary: ['tax'], presence: 'available' });
    core.addOperator({ operatorId: 'w', primary: ['welfare'], presence: 'available' });
    core.request({ consultationId: 'c0', departmentId: 'tax' });
    core.accept('t', 'c0');
    const invitation = core.inviteSpecialist('c0', 'welfare', 't');
    expect(invitation.status).toBe('offered');
    expect(log.last('specialistInvited')).toMatchObject({ consultationId: 'c0', departmentId: 'welfare', byOperatorId: 't' });
    expect(log.last('offered')).toMatchObject({ consultationId: 'c0', operatorId: 'w', kind: 'specialist', entryId: invitation.entryId });
    expect(core.operator('t')).toMatchObject({ presence: 'in_call' });
    core.accept('w', 'c0');
    expect(log.last('specialistJoined')).toMatchObject({ consultationId: 'c0', operatorId: 'w', departmentId: 'welfare' });
    expect(core.consultation('c0')).toMatchObject({ operatorId: 't', specialistId: 'w', specialistEntryId: null });
    expect(log.of('answered')).toHaveLength(1); // the resident was answered once

    core.leaveCall('t');
    expect(log.last('operatorLeft')).toMatchObject({ operatorId: 't', remainingOperatorId: 'w' });
    expect(core.consultation('c0')).toMatchObject({ operatorId: 'w', specialistId: null });
    expect(core.operator('t')).toMatchObject({ presence: 'available' });
    core.endCall('c0');
    expect(log.last('ended')).toMatchObject({ consultationId: 'c0', outcome: 'completed', operatorIds: ['w'] });
  });

  it('withdraws a ringing specialist invitation when the call ends', () => {
    const { core, log } = setup();
    core.addOperator({ operatorId: 't', primary: ['tax'], presence: 'available' });
    core.addOperator({ operatorId: 'w', primary: ['welfare'], presence: 'available' });
    core.request({ consultationId: 'c0', departmentId: 'tax' });
    core.accept('t', 'c0');
    core.inviteSpecialist('c0', 'welfare', 't');
    core.endCall('c0');
    expect(log.last('offerWithdrawn')).toMatchObject({ operatorId: 'w', kind: 'specialist', reason: 'cancelled' });
    expect(log.last('specialistCancelled')).toMatchObject({ consultationId: 'c0', reason: 'call_ended' });
    expect(core.operator('w')).toMatchObject({ presence: 'available', consultationId: null });
    expect(core.entries()).toHaveLength(0);
  });
});

describe('RoutingCore: hours and refusals', () => {
  const officeHours = { departmentId: 'tax', hours: undefined, closedDates: undefined, annualClosures: undefined } as const;

  function cityHall(start: number) {
    const clock = new FakeClock(start);
    // Defaults: Mon–Fri 08:30–17:15, Japanese public holidays, 12/29–1/3 closed.
    const core = new RoutingCore({ clock, departments: [officeHours, { departmentId: 'general' }] });
    core.addOperator({ operatorId: 't', primary: ['tax'], presence: 'available' });
    return { clock, core };
  }

  it.each([
    ['a weekday evening', '2026-11-25', '18:00', '2026-11-26', '08:30'],
    ['Friday at closing time', '2026-11-27', '17:15', '2026-11-30', '08:30'],
    ['Sunday before a holiday Monday (勤労感謝の日)', '2026-11-22', '11:00', '2026-11-24', '08:30'],
    ['the evening before the year-end closure', '2026-12-28', '17:30', '2027-01-04', '08:30'],
    ['just before opening', '2026-11-26', '08:29', '2026-11-26', '08:30'],
  ])('refuses %s as outside_hours with the next opening time', (_, date, time, nextDate, nextTime) => {
    const { core } = cityHall(tokyoInstant(date, time));
    const result = core.request({ consultationId: 'c1', departmentId: 'tax' });
    expect(result).toEqual({ accepted: false, reason: 'outside_hours', nextOpeningAt: new Date(tokyoInstant(nextDate, nextTime)) });
  });

  it('accepts from the opening minute, and ends a refused request as callback or no_operator', () => {
    const { clock, core } = cityHall(tokyoInstant('2026-11-26', '08:29'));
    const log: string[] = [];
    core.events.onAny((event) => {
      if (event.type === 'refused' || event.type === 'ended') log.push(`${event.type}:${event.consultationId}:${event.type === 'ended' ? event.outcome : event.reason}`);
    });
    core.request({ consultationId: 'early-1', departmentId: 'tax' });
    core.request({ consultationId: 'early-2', departmentId: 'tax' });
    core.requestCallback('early-1');
    core.cancel('early-2');
    clock.advance(60_000);
    expect(core.request({ consultationId: 'c1', departmentId: 'tax' })).toMatchObject({ accepted: true, status: 'offered' });
    expect(log).toEqual([
      'refused:early-1:outside_hours',
      'refused:early-2:outside_hours',
      'ended:early-1:callback_requested',
      'ended:early-2:no_operator',
    ]);
  });

  it('refuses with no_operator when nobody of the department (nor of its overflow target) is logged in', () => {
    const { core, log } = setup([
      { departmentId: 'tax', overflow: { targetDepartmentId: 'general', delayMs: 120_000 } },
      { departmentId: 'welfare' },
      { departmentId: 'general' },
    ]);
    expect(core.request({ consultationId: 'c1', departmentId: 'welfare' })).toEqual({ accepted: false, reason: 'no_operator', nextOpeningAt: null });
    expect(log.last('refused')).toMatchObject({ consultationId: 'c1', departmentId: 'welfare', reason: 'no_operator' });
    expect(core.availability('tax')).toMatchObject({ reason: 'no_operator' });
    core.addOperator({ operatorId: 'g', primary: ['general'] }); // logged in, away: counts
    expect(core.availability('tax')).toBeNull();
    expect(core.request({ consultationId: 'c2', departmentId: 'tax' })).toMatchObject({ accepted: true, status: 'waiting' });
    core.addOperator({ operatorId: 'w', primary: ['tax'], presence: 'away' });
    core.operatorDisconnected('g');
    expect(core.request({ consultationId: 'c3', departmentId: 'welfare' })).toMatchObject({ accepted: false });
  });
});

describe('RoutingCore: disconnects and wrap-up', () => {
  it('moves a ringing offer on at once when the operator disconnects', () => {
    const { core, log } = setup();
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    core.addOperator({ operatorId: 'b', primary: ['tax'], presence: 'available' });
    core.request({ consultationId: 'c1', departmentId: 'tax' });
    core.operatorDisconnected('a');
    expect(log.last('offerWithdrawn')).toMatchObject({ operatorId: 'a', reason: 'operator_disconnected' });
    expect(log.last('offered')).toMatchObject({ consultationId: 'c1', operatorId: 'b' });
    expect(core.operator('a')).toMatchObject({ presence: 'offline', connected: false });
    core.operatorConnected('a');
    expect(core.operator('a')).toMatchObject({ presence: 'away', connected: true });
  });

  it('keeps a call when its operator disconnects and reports it for the grace period', () => {
    const { core, log } = setup([{ departmentId: 'tax' }], { wrapUpMs: 30_000 });
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    core.addOperator({ operatorId: 'b', primary: ['tax'], presence: 'available' });
    core.request({ consultationId: 'c1', departmentId: 'tax' });
    core.request({ consultationId: 'c2', departmentId: 'tax' });
    core.accept('a', 'c1');
    core.accept('b', 'c2');
    core.operatorDisconnected('a');
    expect(log.last('operatorLost')).toMatchObject({ operatorId: 'a', consultationId: 'c1' });
    expect(core.operator('a')).toMatchObject({ presence: 'in_call', connected: false });
    // Grace period over: the service fails the call; the operator goes offline, not to wrap-up.
    core.fail('c1', 'operator_disconnected');
    expect(log.last('ended')).toMatchObject({ consultationId: 'c1', outcome: 'failed', reason: 'operator_disconnected' });
    expect(core.operator('a')).toMatchObject({ presence: 'offline' });
    // b reconnects in time: the call goes on and ends normally.
    core.operatorDisconnected('b');
    core.operatorConnected('b');
    core.endCall('c2');
    expect(core.operator('b')).toMatchObject({ presence: 'wrap_up', connected: true });
  });

  it('holds the operator in wrap-up for the department setting, or until ended early', () => {
    const { clock, core, log } = setup([{ departmentId: 'tax', wrapUpMs: 30_000 }]);
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    core.request({ consultationId: 'c1', departmentId: 'tax' });
    core.accept('a', 'c1');
    core.endCall('c1');
    expect(core.operator('a')).toMatchObject({ presence: 'wrap_up', consultationId: 'c1' });
    core.request({ consultationId: 'c2', departmentId: 'tax' });
    clock.advance(29_999);
    expect(log.last('offered')?.consultationId).toBe('c1');
    clock.advance(1);
    expect(core.operator('a')?.presence).toBe('offered');
    expect(log.last('offered')).toMatchObject({ consultationId: 'c2', operatorId: 'a' });
    core.accept('a', 'c2');
    core.endCall('c2');
    core.request({ consultationId: 'c3', departmentId: 'tax' });
    core.endWrapUp('a');
    expect(log.last('offered')).toMatchObject({ consultationId: 'c3', operatorId: 'a' });
    expectRoutingError(() => core.endWrapUp('a'), 'invalid_state');
  });
});

describe('RoutingCore: what the resident sees', () => {
  it('estimates the wait from the rolling handling times and the operators serving the department', () => {
    const { clock, core, log } = setup([{ departmentId: 'tax', estimateWindow: 2, defaultHandlingMs: 600_000 }]);
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    core.addOperator({ operatorId: 'b', primary: ['tax'], presence: 'available' });
    core.request({ consultationId: 'c1', departmentId: 'tax' });
    core.request({ consultationId: 'c2', departmentId: 'tax' });
    core.accept('a', 'c1');
    core.accept('b', 'c2');
    for (const id of ['w1', 'w2', 'w3']) core.request({ consultationId: id, departmentId: 'tax' });
    // No sample yet: the default handling time, shared by two operators.
    expect(log.last('queueChanged')).toMatchObject({
      departmentId: 'tax',
      waiting: 3,
      servingOperators: 2,
      averageHandlingMs: 600_000,
      positions: [
        { consultationId: 'w1', position: 1, estimatedWaitMs: 300_000 },
        { consultationId: 'w2', position: 2, estimatedWaitMs: 600_000 },
        { consultationId: 'w3', position: 3, estimatedWaitMs: 900_000 },
      ],
    });
    expect(core.queueStatus('w3')).toEqual({ status: 'waiting', position: 3, estimatedWaitMs: 900_000 });

    clock.advance(120_000);
    core.endCall('c1'); // a handled 120 s; a takes w1 at once
    expect(log.last('queueChanged')).toMatchObject({
      averageHandlingMs: 120_000,
      positions: [
        { consultationId: 'w2', position: 1, estimatedWaitMs: 60_000 },
        { consultationId: 'w3', position: 2, estimatedWaitMs: 120_000 },
      ],
    });
    core.accept('a', 'w1');
    clock.advance(120_000);
    core.endCall('c2'); // b handled 240 s → mean 180 s
    core.accept('b', 'w2');
    clock.advance(60_000);
    core.endCall('w1'); // a handled 180 s → window of 2: (240 + 180) / 2 = 210 s; a is offered w3
    expect(core.queue('tax').averageHandlingMs).toBe(210_000);
    core.decline('a', 'w3'); // nobody else is free: w3 waits
    log.clear();
    // An operator going away changes the estimates, and they are pushed.
    core.setPresence('a', 'away');
    expect(log.last('queueChanged')).toMatchObject({
      servingOperators: 1,
      positions: [{ consultationId: 'w3', position: 1, estimatedWaitMs: 210_000 }],
    });
  });

  it('reports no estimate when nobody serves the department', () => {
    const { core } = setup();
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'away' });
    expect(core.request({ consultationId: 'c1', departmentId: 'tax' })).toEqual({
      accepted: true,
      status: 'waiting',
      position: 1,
      estimatedWaitMs: null,
    });
  });
});

describe('RoutingCore: commands and lifecycle', () => {
  it('refuses commands that do not fit the state, with typed errors and no change', () => {
    const { core } = setup();
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    expectRoutingError(() => core.addOperator({ operatorId: 'a', primary: ['tax'] }), 'duplicate');
    expectRoutingError(() => core.addOperator({ operatorId: 'x', primary: ['nowhere'] }), 'unknown_department');
    expectRoutingError(() => core.request({ consultationId: 'c', departmentId: 'nowhere' }), 'unknown_department');
    expectRoutingError(() => core.accept('a', 'c1'), 'not_offered');
    core.request({ consultationId: 'c1', departmentId: 'tax' });
    expectRoutingError(() => core.request({ consultationId: 'c1', departmentId: 'tax' }), 'duplicate');
    expectRoutingError(() => core.setPresence('a', 'away'), 'operator_busy');
    expectRoutingError(() => core.endCall('c1'), 'invalid_state');
    expectRoutingError(() => core.accept('b', 'c1'), 'unknown_operator');
    core.accept('a', 'c1');
    expectRoutingError(() => core.cancel('c1'), 'invalid_state');
    expectRoutingError(() => core.removeOperator('a'), 'operator_busy');
    expectRoutingError(() => core.leaveCall('a'), 'invalid_state');
    expectRoutingError(() => core.endCall('nope'), 'unknown_consultation');
    expect(core.consultation('c1')).toMatchObject({ phase: 'in_call', operatorId: 'a' });
  });

  it('rejects configurations that do not make sense', () => {
    const clock = new FakeClock(0);
    const make = (departments: ConstructorParameters<typeof RoutingCore>[0]['departments']) => () =>
      new RoutingCore({ clock, departments, defaults: TEST_SETTINGS });
    expectRoutingError(make([{ departmentId: 'tax', ringTimeoutMs: 0 }]), 'invalid_config');
    expectRoutingError(make([{ departmentId: 'tax', overflow: { targetDepartmentId: 'general', delayMs: 1 } }]), 'invalid_config');
    expectRoutingError(make([{ departmentId: 'tax', hours: { ...TEST_SETTINGS.hours!, mon: [{ open: '17:00', close: '09:00' }] } }]), 'invalid_config');
    expectRoutingError(make([{ departmentId: 'tax', closedDates: ['2026/12/31'] }]), 'invalid_config');
    expectRoutingError(make([{ departmentId: 'tax' }, { departmentId: 'tax' }]), 'invalid_config');
  });

  it('removes an operator who logs out while ringing and offers the request to the next', () => {
    const { core, log } = setup();
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    core.addOperator({ operatorId: 'b', primary: ['tax'], presence: 'available' });
    core.request({ consultationId: 'c1', departmentId: 'tax' });
    core.removeOperator('a');
    expect(log.last('offerWithdrawn')).toMatchObject({ operatorId: 'a', reason: 'operator_removed' });
    expect(log.last('offered')).toMatchObject({ operatorId: 'b' });
    expect(core.operator('a')).toBeUndefined();
  });

  it('re-skills an operator and routes to them at once', () => {
    const { core, log } = setup();
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    core.addOperator({ operatorId: 'w', primary: ['welfare'], presence: 'away' });
    core.request({ consultationId: 'c1', departmentId: 'welfare' });
    core.updateSkills('a', { primary: ['tax', 'welfare'] });
    expect(log.last('offered')).toMatchObject({ consultationId: 'c1', operatorId: 'a' });
  });

  it('clears every timer on close, is idempotent, and refuses commands afterwards', () => {
    const { clock, core } = setup([{ departmentId: 'tax', secondaryDelayMs: 30_000, overflow: { targetDepartmentId: 'general', delayMs: 60_000 } }, { departmentId: 'general' }], {
      wrapUpMs: 30_000,
    });
    core.addOperator({ operatorId: 'a', primary: ['tax'], presence: 'available' });
    core.request({ consultationId: 'c1', departmentId: 'tax' }); // ring + widen + overflow
    core.request({ consultationId: 'c2', departmentId: 'tax' }); // widen + overflow
    core.accept('a', 'c1');
    core.endCall('c1'); // wrap-up
    expect(clock.pending).toBeGreaterThanOrEqual(3);
    core.close();
    core.close();
    expect(clock.pending).toBe(0);
    expect(core.closed).toBe(true);
    expectRoutingError(() => core.request({ consultationId: 'c3', departmentId: 'tax' }), 'closed');
    expect(core.consultation('c2')).toMatchObject({ phase: 'waiting' }); // still readable
  });
});

describe('RoutingCore: after a server restart', () => {
  it('restores a connected call with its operator and original times; the operator’s lost connection then starts its grace', () => {
    const { clock, core, log } = setup();
    const requestedAt = new Date(clock.now().getTime() - 120_000);
    const answeredAt = new Date(clock.now().getTime() - 60_000);
    core.addOperator({ operatorId: 'a', primary: ['tax'] });
    core.restoreCall({ consultationId: 'c1', departmentId: 'tax', operatorId: 'a', requestedAt, answeredAt });
    expect(core.consultation('c1')).toMatchObject({ phase: 'in_call', operatorId: 'a', requestedAt: requestedAt.getTime(), answeredAt: answeredAt.getTime() });
    expect(core.operator('a')).toMatchObject({ presence: 'in_call', consultationId: 'c1' });
    expect(log.of('offered')).toHaveLength(0);
    core.operatorDisconnected('a');
    expect(log.last('operatorLost')).toMatchObject({ operatorId: 'a', consultationId: 'c1' });
    core.operatorConnected('a');
    core.endCall('c1');
    expect(log.last('ended')).toMatchObject({ consultationId: 'c1', outcome: 'completed' });
    expectRoutingError(() => core.restoreCall({ consultationId: 'c2', departmentId: 'tax', operatorId: 'nobody', requestedAt, answeredAt }), 'unknown_operator');
  });

  it('queues a resumed request even with nobody logged in yet, in its original order', () => {
    const { clock, core } = setup();
    const early = new Date(clock.now().getTime() - 60_000);
    const late = new Date(clock.now().getTime() - 30_000);
    expect(core.request({ consultationId: 'fresh', departmentId: 'tax' })).toMatchObject({ accepted: false, reason: 'no_operator' });
    expect(core.request({ consultationId: 'c2', departmentId: 'tax', requestedAt: late, resumed: true })).toMatchObject({ accepted: true, status: 'waiting' });
    expect(core.request({ consultationId: 'c1', departmentId: 'tax', requestedAt: early, resumed: true })).toMatchObject({ accepted: true });
    expect(core.queue('tax').positions.map((p) => [p.consultationId, p.position])).toEqual([['c1', 1], ['c2', 2]]);
  });
});

describe('RoutingCore: reservations', () => {
  it('queues a reserved resident ahead of walk-ins who came earlier', () => {
    const { clock, core, log } = setup();
    core.addOperator({ operatorId: 'a', primary: ['welfare'], presence: 'away' });
    core.request({ consultationId: 'walk-in-1', departmentId: 'welfare' });
    clock.advance(1_000);
    core.request({ consultationId: 'walk-in-2', departmentId: 'welfare' });
    clock.advance(1_000);
    core.request({ consultationId: 'reserved', departmentId: 'welfare', priority: CORE_DEFAULTS.reservedPriority });
    expect(core.queue('welfare').entries.map((entry) => entry.consultationId)).toEqual(['reserved', 'walk-in-1', 'walk-in-2']);
    expect(core.queueStatus('reserved')).toMatchObject({ position: 1 });
    core.setPresence('a', 'available');
    expect(log.last('offered')).toMatchObject({ consultationId: 'reserved', operatorId: 'a' });
  });

  it('offers the booking’s operator alone during the grace, then everyone', () => {
    const { clock, core, log } = setup();
    core.addOperator({ operatorId: 'idle-longest', primary: ['welfare'], presence: 'available' });
    clock.advance(1_000);
    core.addOperator({ operatorId: 'named', primary: ['welfare'], presence: 'away' });
    const result = core.request({ consultationId: 'c1', departmentId: 'welfare', priority: CORE_DEFAULTS.reservedPriority, preferredOperatorId: 'named' });
    expect(result).toMatchObject({ accepted: true, status: 'waiting', position: 1 });
    expect(log.of('offered')).toHaveLength(0); // the longest-idle operator is free, but the booking names another
    // A walk-in behind it goes to the free operator: the hold is on the reserved resident, not the queue.
    core.request({ consultationId: 'walk-in', departmentId: 'welfare' });
    expect(log.last('offered')).toMatchObject({ consultationId: 'walk-in', operatorId: 'idle-longest' });
    core.decline('idle-longest', 'walk-in');
    expect(log.last('offered')).toMatchObject({ consultationId: 'walk-in' }); // still not c1
    clock.advance(CORE_DEFAULTS.preferredOperatorGraceMs - 1_000);
    core.setPresence('named', 'available');
    expect(log.last('offered')).toMatchObject({ consultationId: 'c1', operatorId: 'named' });
    core.accept('named', 'c1');
    expect(core.consultation('c1')).toMatchObject({ phase: 'in_call', operatorId: 'named', preferredOperatorId: null });
  });

  it('releases the resident to the others when the grace ends, or at once when the named operator declines', () => {
    const { clock, core, log } = setup();
    core.addOperator({ operatorId: 'other', primary: ['welfare'], presence: 'available' });
    core.addOperator({ operatorId: 'named', primary: ['welfare'], presence: 'away' });
    core.request({ consultationId: 'c1', departmentId: 'welfare', preferredOperatorId: 'named' });
    clock.advance(CORE_DEFAULTS.preferredOperatorGraceMs - 1);
    expect(log.of('offered')).toHaveLength(0);
    clock.advance(1);
    expect(log.last('offered')).toMatchObject({ consultationId: 'c1', operatorId: 'other' });
    expect(clock.pending).toBe(1); // the ring timer only: the grace timer is gone

    core.request({ consultationId: 'c2', departmentId: 'welfare', preferredOperatorId: 'named' });
    core.setPresence('named', 'available');
    expect(log.last('offered')).toMatchObject({ consultationId: 'c2', operatorId: 'named' });
    core.decline('named', 'c2');
    expect(core.consultation('c2')).toMatchObject({ phase: 'waiting', preferredOperatorId: null });
    core.accept('other', 'c1');
    core.endCall('c1');
    expect(log.last('offered')).toMatchObject({ consultationId: 'c2', operatorId: 'other' });
  });

  it('ignores a named operator who is not logged in with the department as a primary skill', () => {
    const { core, log, clock } = setup();
    core.addOperator({ operatorId: 'other', primary: ['welfare'], presence: 'available' });
    core.addOperator({ operatorId: 'tax-only', primary: ['tax'], secondary: ['welfare'], presence: 'available' });
    core.request({ consultationId: 'c1', departmentId: 'welfare', preferredOperatorId: 'absent' });
    expect(log.last('offered')).toMatchObject({ consultationId: 'c1', operatorId: 'other' });
    core.request({ consultationId: 'c2', departmentId: 'welfare', preferredOperatorId: 'tax-only' });
    expect(core.consultation('c2')).toMatchObject({ phase: 'waiting', preferredOperatorId: null });
    expect(clock.pending).toBe(1); // c1's ring timer; no grace for c2
  });

  it('clears the grace timer when the request ends and on close', () => {
    const { clock, core } = setup();
    core.addOperator({ operatorId: 'named', primary: ['welfare'], presence: 'away' });
    core.request({ consultationId: 'c1', departmentId: 'welfare', preferredOperatorId: 'named' });
    expect(clock.pending).toBe(1);
    core.cancel('c1');
    expect(clock.pending).toBe(0);
    core.request({ consultationId: 'c2', departmentId: 'welfare', preferredOperatorId: 'named' });
    core.close();
    expect(clock.pending).toBe(0);
  });
});
