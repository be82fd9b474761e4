/**
 * The microphone meter: samples from an AnalyserNode → a 0–100 meter reading → a verdict.
 * Pure functions; the Web Audio plumbing is in audio.ts.
 */

/** The meter shows -60 dBFS (silence, room noise) … 0 dBFS (full scale) as 0 … 100. */
export const METER_FLOOR_DB = -60;
/** A reading at or above this is a voice (or a sound) reaching the microphone: about -42 dBFS. */
export const MIC_HEARD_PERCENT = 30;
/** How long to listen before saying nothing is coming in. */
export const MIC_LISTEN_MS = 6_000;

/** Root mean square of time-domain samples in -1…1. */
export function rms(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i += 1) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / samples.length);
}

/** A level (RMS, 0…1) on the meter's 0…100 scale, logarithmic like the ear. */
export function levelToMeter(level: number): number {
  if (!(level > 0)) return 0;
  const db = 20 * Math.log10(level);
  const percent = ((db - METER_FLOOR_DB) / -METER_FLOOR_DB) * 100;
  return Math.round(Math.min(100, Math.max(0, percent)));
}

export type MicVerdict = 'listening' | 'ok' | 'quiet';

/**
 * `peak`: the highest meter reading since the check began; `elapsedMs`: how long it has listened.
 * Heard once is enough; silence is reported only after MIC_LISTEN_MS.
 */
export function micVerdict(peak: number, elapsedMs: number): MicVerdict {
  if (peak >= MIC_HEARD_PERCENT) return 'ok';
  return elapsedMs >= MIC_LISTEN_MS ? 'quiet' : 'listening';
}
