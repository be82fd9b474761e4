/**
 * The call's connection quality in three levels, from the tablet's own WebRTC statistics: round-trip
 * time of the selected ICE candidate pair, and packet loss — what the other side reports of our
 * sending (remote-inbound-rtp fractionLost) and what we lose receiving (inbound-rtp, since the last
 * sample). The worst of the two decides. Shown with words, not colour alone.
 */

export type ConnectionQuality = 'good' | 'fair' | 'poor';

/** Round-trip time (s) and loss (0–1) at or below which each level holds. */
const LIMITS: { level: ConnectionQuality; rtt: number; loss: number }[] = [
  { level: 'good', rtt: 0.15, loss: 0.02 },
  { level: 'fair', rtt: 0.4, loss: 0.08 },
];

/** The fields of RTCStats entries used here (the DOM types split them over many interfaces). */
export interface StatsEntry {
  id: string;
  type: string;
  state?: string;
  nominated?: boolean;
  selectedCandidatePairId?: string;
  currentRoundTripTime?: number;
  fractionLost?: number;
  packetsLost?: number;
  packetsReceived?: number;
}

export function qualityOf(rttSeconds: number | null, loss: number | null): ConnectionQuality | null {
  if (rttSeconds === null && loss === null) return null;
  const rtt = rttSeconds ?? 0;
  const lost = loss ?? 0;
  return LIMITS.find((limit) => rtt <= limit.rtt && lost <= limit.loss)?.level ?? 'poor';
}

/** Turns successive getStats() samples into a quality level; keeps the receive counters between samples. */
export class QualityMeter {
  readonly #received = new Map<string, { lost: number; received: number }>();

  update(reports: readonly (readonly StatsEntry[])[]): ConnectionQuality | null {
    let rtt: number | null = null;
    let loss: number | null = null;
    const worse = (current: number | null, value: number) => (current === null ? value : Math.max(current, value));

    for (const report of reports) {
      const entries = report;
      const selectedIds = new Set(
        entries.filter((e) => e.type === 'transport' && e.selectedCandidatePairId).map((e) => e.selectedCandidatePairId!),
      );
      for (const entry of entries) {
        if (entry.type === 'candidate-pair' && entry.currentRoundTripTime !== undefined) {
          const selected = selectedIds.size > 0 ? selectedIds.has(entry.id) : entry.nominated && entry.state === 'succeeded';
          if (selected) rtt = worse(rtt, entry.currentRoundTripTime);
        } else if (entry.type === 'remote-inbound-rtp' && entry.fractionLost !== undefined) {
          loss = worse(loss, entry.fractionLost);
        } else if (entry.type === 'inbound-rtp' && entry.packetsReceived !== undefined) {
          const now = { lost: Math.max(0, entry.packetsLost ?? 0), received: entry.packetsReceived };
          const before = this.#received.get(entry.id);
          this.#received.set(entry.id, now);
          const lost = now.lost - (before?.lost ?? 0);
          const total = lost + now.received - (before?.received ?? 0);
          if (before && total > 0) loss = worse(loss, Math.max(0, lost) / total);
        }
      }
    }
    return qualityOf(rtt, loss);
  }
}
