/**
 * The network check's HTTPS part: a few timed round trips to the server's /api/health, turned into
 * a verdict. judgeHttps is pure; measureHttps does the fetching.
 */

/** Round trips per check. */
export const RTT_SAMPLES = 5;
/** A median round trip above this makes video calls sluggish (lip sync, talking over each other). */
export const RTT_SLOW_MS = 300;
/** A round trip that takes longer than this counts as lost. */
export const RTT_TIMEOUT_MS = 3_000;

export type HttpsVerdict = 'ok' | 'slow' | 'unstable' | 'unreachable' | 'serverTrouble';

export interface HttpsResult {
  verdict: HttpsVerdict;
  /** Median of the answered round trips, rounded to whole ms; null when none was answered. */
  medianMs: number | null;
  lost: number;
  total: number;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * `samples`: one entry per attempt, the round trip in ms or null when it got no answer.
 * `serverOk`: whether the server said its media workers are up (false: calls would fail anyway).
 */
export function judgeHttps(samples: readonly (number | null)[], serverOk = true): HttpsResult {
  const answered = samples.filter((sample): sample is number => sample !== null && Number.isFinite(sample));
  const lost = samples.length - answered.length;
  const middle = median(answered);
  const medianMs = middle === null ? null : Math.round(middle);
  const result = (verdict: HttpsVerdict): HttpsResult => ({ verdict, medianMs, lost, total: samples.length });
  if (answered.length === 0) return result('unreachable');
  if (!serverOk) return result('serverTrouble');
  if (lost > 0) return result('unstable');
  if (medianMs! > RTT_SLOW_MS) return result('slow');
  return result('ok');
}

export interface HttpsCheckOptions {
  url?: string;
  count?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** Time `count` sequential GETs of /api/health (never cached) and judge them. */
export async function measureHttps(options: HttpsCheckOptions = {}): Promise<HttpsResult> {
  const {
    url = '/api/health',
    count = RTT_SAMPLES,
    timeoutMs = RTT_TIMEOUT_MS,
    fetch: fetchFn = fetch.bind(globalThis),
    now = () => performance.now(),
  } = options;
  const samples: (number | null)[] = [];
  let serverOk = true;
  for (let i = 0; i < count; i += 1) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    const started = now();
    try {
      const response = await fetchFn(url, { cache: 'no-store', signal: abort.signal });
      const body = (await response.json().catch(() => null)) as { ok?: unknown } | null;
      const elapsed = now() - started;
      if (!response.ok) {
        samples.push(null);
      } else {
        samples.push(elapsed);
        if (body?.ok === false) serverOk = false;
      }
    } catch {
      samples.push(null);
    } finally {
      clearTimeout(timer);
    }
  }
  return judgeHttps(samples, serverOk);
}
