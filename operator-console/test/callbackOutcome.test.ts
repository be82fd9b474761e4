import { describe, expect, it } from 'vitest';
import { nextStatuses } from '../src/routing/callbackOutcome.ts';

describe('the results an operator may record for a callback request', () => {
  it('an open request: done or not reached', () => {
    expect(nextStatuses('open')).toEqual(['done', 'unreachable']);
  });
  it('one not reached may be tried again, or set back to open', () => {
    expect(nextStatuses('unreachable')).toEqual(['done', 'unreachable', 'open']);
  });
  it('a done one only set back to open (recorded by mistake)', () => {
    expect(nextStatuses('done')).toEqual(['open']);
  });
});
