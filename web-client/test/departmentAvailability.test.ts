import type { DepartmentAvailability } from '@madoguchi/protocol';
import { describe, expect, it } from 'vitest';
import { BUSY_WAIT_SECONDS, departmentBadge } from '../src/departmentAvailability.ts';

const open: DepartmentAvailability = {
  departmentId: 'dep-tax',
  refusal: null,
  nextOpeningAt: null,
  waiting: 0,
  estimatedWaitSeconds: 600,
  allOperatorsAway: false,
};

describe('what a department button says before a press', () => {
  it('says closed (with the next opening), unstaffed, all away or busy, and nothing for an open department with a short wait', () => {
    expect(departmentBadge(undefined)).toBeNull();
    expect(departmentBadge(open)).toBeNull();
    expect(departmentBadge({ ...open, refusal: 'outside_hours', nextOpeningAt: '2026-12-04T23:30:00.000Z', estimatedWaitSeconds: null })).toEqual({
      kind: 'closed',
      nextOpeningAt: '2026-12-04T23:30:00.000Z',
    });
    expect(departmentBadge({ ...open, refusal: 'no_operator', estimatedWaitSeconds: null })).toEqual({ kind: 'noOperator' });
    expect(departmentBadge({ ...open, allOperatorsAway: true, estimatedWaitSeconds: null })).toEqual({ kind: 'allAway' });
    expect(departmentBadge({ ...open, waiting: 1, estimatedWaitSeconds: BUSY_WAIT_SECONDS - 1 })).toBeNull();
    expect(departmentBadge({ ...open, waiting: 1, estimatedWaitSeconds: 1200 })).toEqual({ kind: 'busy', minutes: 20 });
  });
});
