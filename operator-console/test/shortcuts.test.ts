import { describe, expect, it } from 'vitest';
import { SHORTCUTS } from '../src/useShortcuts.ts';

describe('keyboard shortcuts', () => {
  it('use a distinct Alt+letter for each action', () => {
    const keys = Object.values(SHORTCUTS);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(key).toMatch(/^Alt\+[A-Z]$/);
  });
});
