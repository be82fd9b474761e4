import { describe, expect, it } from 'vitest';
import { OperatorPool } from '../src/routing/OperatorPool.ts';

describe('OperatorPool', () => {
  it('brings an operator online as away and offline when the last connection closes', () => {
    const pool = new OperatorPool();
    expect(pool.connect('a', 'A', ['tax'], 0).presence).toBe('away');
    pool.connect('a', 'A', ['tax'], 0);
    expect(pool.disconnect('a')).toBe(false);
    expect(pool.disconnect('a')).toBe(true);
  });

  it('picks the longest-idle available operator of the department, those passed over last', () => {
    const pool = new OperatorPool();
    pool.connect('a', 'A', ['tax'], 0);
    pool.connect('b', 'B', ['tax', 'welfare'], 0);
    pool.connect('c', 'C', ['welfare'], 0);
    pool.setPresence('b', 'available', 100);
    pool.setPresence('a', 'available', 200);
    pool.setPresence('c', 'available', 50);
    expect(pool.pick('tax', new Set())?.staffId).toBe('b');
    expect(pool.pick('tax', new Set(['b']))?.staffId).toBe('a');
    // Everyone passed over: the longest idle of them, rather than nobody.
    expect(pool.pick('tax', new Set(['a', 'b']))?.staffId).toBe('b');
    expect(pool.pick('citizen', new Set())).toBeUndefined();
    pool.setPresence('b', 'offered', 300, 'consultation-1');
    expect(pool.pick('tax', new Set())?.staffId).toBe('a');
    expect(pool.get('b')?.consultationId).toBe('consultation-1');
  });

  it('never makes a disconnected operator available', () => {
    const pool = new OperatorPool();
    pool.connect('a', 'A', ['tax'], 0);
    pool.disconnect('a');
    pool.setPresence('a', 'available', 10);
    expect(pool.get('a')?.presence).toBe('offline');
    expect(pool.pick('tax', new Set())).toBeUndefined();
  });
});
