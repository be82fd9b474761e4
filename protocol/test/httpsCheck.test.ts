import { describe, expect, it } from 'vitest';
import { judgeHttps, measureHttps, RTT_SAMPLES, RTT_SLOW_MS } from '../src/client/httpsCheck.ts';

describe('HTTPS verdict from round-trip samples', () => {
  it('is OK when every round trip is answered quickly, with the median', () => {
    expect(judgeHttps([20, 35, 25, 400, 30])).toEqual({ verdict: 'ok', medianMs: 30, lost: 0, total: 5 });
  });

  it('uses the mean of the two middle samples for an even count, rounded', () => {
    expect(judgeHttps([10, 21, 30, 11]).medianMs).toBe(16);
  });

  it('is slow when the median is above the limit (a single slow answer is not enough)', () => {
    expect(judgeHttps([RTT_SLOW_MS + 50, 500, 700, 20, 600]).verdict).toBe('slow');
    expect(judgeHttps([RTT_SLOW_MS, RTT_SLOW_MS, RTT_SLOW_MS]).verdict).toBe('ok');
  });

  it('is unstable when some round trips got no answer', () => {
    expect(judgeHttps([20, null, 25, 30, 22])).toEqual({ verdict: 'unstable', medianMs: 24, lost: 1, total: 5 });
  });

  it('is unreachable when nothing was answered (or nothing was tried)', () => {
    expect(judgeHttps([null, null, null])).toEqual({ verdict: 'unreachable', medianMs: null, lost: 3, total: 3 });
    expect(judgeHttps([]).verdict).toBe('unreachable');
  });

  it('reports a server whose media service is down', () => {
    expect(judgeHttps([20, 20, 20], false).verdict).toBe('serverTrouble');
  });
});

describe('measureHttps', () => {
  function fakeClock(steps: number[]) {
    let t = 0;
    let i = 0;
    return {
      now: () => t,
      advance: () => {
        t += steps[i++ % steps.length]!;
      },
    };
  }

  it('times sequential, uncached GETs of /api/health', async () => {
    const clock = fakeClock([40]);
    const calls: [string, RequestInit | undefined][] = [];
    const fakeFetch = (async (url: string, init?: RequestInit) => {
      calls.push([url, init]);
      clock.advance();
      return new Response(JSON.stringify({ ok: true, workers: 1 }), { status: 200 });
    }) as typeof fetch;
    const result = await measureHttps({ fetch: fakeFetch, now: clock.now });
    expect(result).toEqual({ verdict: 'ok', medianMs: 40, lost: 0, total: RTT_SAMPLES });
    expect(calls).toHaveLength(RTT_SAMPLES);
    expect(calls.every(([url, init]) => url === '/api/health' && init?.cache === 'no-store')).toBe(true);
  });

  it('counts network errors and error statuses as lost', async () => {
    let n = 0;
    const fakeFetch = (async () => {
      n += 1;
      if (n === 2) throw new TypeError('Failed to fetch');
      if (n === 3) return new Response('', { status: 502 });
      return new Response('{"ok":true}', { status: 200 });
    }) as typeof fetch;
    const result = await measureHttps({ fetch: fakeFetch, now: () => 0, count: 4 });
    expect(result).toMatchObject({ verdict: 'unstable', lost: 2, total: 4 });
  });

  it('gives up on a round trip after the timeout', async () => {
    const hanging = ((_url: string, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      })) as typeof fetch;
    const result = await measureHttps({ fetch: hanging, count: 2, timeoutMs: 10 });
    expect(result).toEqual({ verdict: 'unreachable', medianMs: null, lost: 2, total: 2 });
  });

  it('passes on the server saying its media workers are down', async () => {
    const fakeFetch = (async () => new Response('{"ok":false,"workers":1}', { status: 200 })) as typeof fetch;
    expect((await measureHttps({ fetch: fakeFetch, count: 2 })).verdict).toBe('serverTrouble');
  });
});
