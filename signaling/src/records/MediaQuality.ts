import type { StreamQualitySample } from '@madoguchi/sfu';

/** One stream's quality over a consultation, as kept in its `media_quality` event. */
export interface StreamQualitySummary {
  role: string;
  source: string;
  kind: 'audio' | 'video';
  samples: number;
  averageKbps: number;
  minKbps: number;
  /** Worst packet loss seen, percent. */
  maxLossPercent: number;
  /** Worst mediasoup score seen, 0–10. */
  minScore: number;
  averageRttMs: number | null;
}

interface Accumulator {
  role: string;
  source: string;
  kind: 'audio' | 'video';
  samples: number;
  bitrateSum: number;
  minBitrate: number;
  maxLoss: number;
  minScore: number;
  rttSum: number;
  rttSamples: number;
}

/**
 * The media quality of one consultation: the SFU's samples taken every few seconds, folded into a
 * summary per stream (who sent which source) that is written once, when the consultation ends.
 */
export class MediaQualityLog {
  readonly #streams = new Map<string, Accumulator>();

  get empty(): boolean {
    return this.#streams.size === 0;
  }

  add(samples: readonly StreamQualitySample[]): void {
    for (const sample of samples) {
      const key = `${sample.role}:${sample.source}`;
      const stream = this.#streams.get(key) ?? {
        role: sample.role,
        source: sample.source,
        kind: sample.kind,
        samples: 0,
        bitrateSum: 0,
        minBitrate: Number.POSITIVE_INFINITY,
        maxLoss: 0,
        minScore: 10,
        rttSum: 0,
        rttSamples: 0,
      };
      stream.samples += 1;
      stream.bitrateSum += sample.bitrate;
      stream.minBitrate = Math.min(stream.minBitrate, sample.bitrate);
      stream.maxLoss = Math.max(stream.maxLoss, sample.fractionLost);
      stream.minScore = Math.min(stream.minScore, sample.score);
      if (sample.roundTripTime !== null) {
        stream.rttSum += sample.roundTripTime;
        stream.rttSamples += 1;
      }
      this.#streams.set(key, stream);
    }
  }

  summary(): StreamQualitySummary[] {
    return [...this.#streams.values()].map((stream) => ({
      role: stream.role,
      source: stream.source,
      kind: stream.kind,
      samples: stream.samples,
      averageKbps: Math.round(stream.bitrateSum / stream.samples / 1000),
      minKbps: Math.round(stream.minBitrate / 1000),
      maxLossPercent: Math.round(stream.maxLoss * 1000) / 10,
      minScore: stream.minScore,
      averageRttMs: stream.rttSamples ? Math.round(stream.rttSum / stream.rttSamples) : null,
    }));
  }
}
