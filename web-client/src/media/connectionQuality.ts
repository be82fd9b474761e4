/**
 * The call's connection quality in three levels, from the tablet's own WebRTC statistics. The worst
 * of these decides:
 * - round-trip time of the selected ICE candidate pair;
 * - packet loss: what the other side reports of our sending (remote-inbound-rtp fractionLost) and
 *   what we lose receiving (inbound-rtp, since the last sample);
 * - the uplink: the browser's estimate of what it may send (availableOutgoingBitrate), and whether
 *   each camera's picture really gets out — a camera whose frames stopped going out is frozen at
 *   the operator's end although the link's round trip and loss may look fine (a capped uplink), and
 *   a face held back by bandwidth to a frame or two a second cannot be followed (held back by the
 *   tablet's CPU it is no matter of the connection); a camera held back by bandwidth
 *   (qualityLimitationReason) is at best fair. The document camera may go slow: it keeps its
 *   resolution and gives up frame rate on purpose.
 * Shown with words, not colour alone.
 */

import type { ConnectionQuality } from '@madoguchi/protocol';

export type { ConnectionQuality };

/** The limits each level holds within: round-trip time (s), loss (0–1), least uplink estimate (bit/s). */
const LIMITS: { level: ConnectionQuality; rtt: number; loss: number; uplink: number }[] = [
  { level: 'good', rtt: 0.15, loss: 0.02, uplink: 800_000 },
  { level: 'fair', rtt: 0.4, loss: 0.08, uplink: 500_000 },
];

/** Held back by bandwidth to fewer frames a second than this, a camera's picture is poor (sources not listed: only none at all). */
const MIN_SENT_FPS: Readonly<Record<string, number>> = { face: 3 };

const LEVELS: readonly ConnectionQuality[] = ['good', 'fair', 'poor'];
const worst = (a: ConnectionQuality, b: ConnectionQuality) => (LEVELS.indexOf(a) >= LEVELS.indexOf(b) ? a : b);

/** The fields of RTCStats entries used here (the DOM types split them over many interfaces). */
export interface StatsEntry {
  id: string;
  type: string;
  /** ms */
  timestamp?: number;
  state?: string;
  nominated?: boolean;
  selectedCandidatePairId?: string;
  currentRoundTripTime?: number;
  availableOutgoingBitrate?: number;
  fractionLost?: number;
  packetsLost?: number;
  packetsReceived?: number;
  framesSent?: number;
  qualityLimitationReason?: string;
}

/** One camera being sent, with the statistics of its sender (every simulcast layer). */
export interface SentVideo {
  source: string;
  entries: readonly StatsEntry[];
}

export function qualityOf(rttSeconds: number | null, loss: number | null, uplinkBps: number | null = null): ConnectionQuality | null {
  if (rttSeconds === null && loss === null && uplinkBps === null) return null;
  const rtt = rttSeconds ?? 0;
  const lost = loss ?? 0;
  const uplink = uplinkBps ?? Infinity;
  return LIMITS.find((limit) => rtt <= limit.rtt && lost <= limit.loss && uplink >= limit.uplink)?.level ?? 'poor';
}

/**
 * Samples before the uplink is judged: a connection's send estimate starts low and ramps up over its
 * first seconds (a call's start, every reconnection), which is no weakness of the link.
 */
const UPLINK_WARMUP_SAMPLES = 5;

/**
 * Turns successive getStats() samples into a quality level; keeps the receive counters and each
 * camera's frames sent between samples. One meter per connected spell: the uplink is judged after
 * its warm-up.
 */
export class QualityMeter {
  readonly #received = new Map<string, { lost: number; received: number }>();
  readonly #framesSent = new Map<string, { frames: number; at: number }>();
  readonly #uplinkWarmupSamples: number;
  #samples = 0;

  constructor({ uplinkWarmupSamples = UPLINK_WARMUP_SAMPLES }: { uplinkWarmupSamples?: number } = {}) {
    this.#uplinkWarmupSamples = uplinkWarmupSamples;
  }

  update(reports: readonly (readonly StatsEntry[])[], sentVideos: readonly SentVideo[] = []): ConnectionQuality | null {
    let rtt: number | null = null;
    let loss: number | null = null;
    let uplink: number | null = null;
    const worse = (current: number | null, value: number) => (current === null ? value : Math.max(current, value));

    for (const entries of reports) {
      const selectedIds = new Set(
        entries.filter((e) => e.type === 'transport' && e.selectedCandidatePairId).map((e) => e.selectedCandidatePairId!),
      );
      for (const entry of entries) {
        if (entry.type === 'candidate-pair' && entry.currentRoundTripTime !== undefined) {
          const selected = selectedIds.size > 0 ? selectedIds.has(entry.id) : entry.nominated && entry.state === 'succeeded';
          if (!selected) continue;
          rtt = worse(rtt, entry.currentRoundTripTime);
          // Only the send transport's pair estimates an outgoing rate worth reading.
          if (entry.availableOutgoingBitrate !== undefined) uplink = Math.max(uplink ?? 0, entry.availableOutgoingBitrate);
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

    const sending = this.#sendingQuality(sentVideos);
    const warmedUp = ++this.#samples > this.#uplinkWarmupSamples;
    if (!warmedUp) return qualityOf(rtt, loss);
    const link = qualityOf(rtt, loss, uplink);
    if (link === null) return sending;
    return sending === null ? link : worst(link, sending);
  }

  /** poor: a camera sent no frame since the last sample, or too few; fair: one is held back by bandwidth. */
  #sendingQuality(sentVideos: readonly SentVideo[]): ConnectionQuality | null {
    let level: ConnectionQuality | null = null;
    const measured = new Set<string>();
    for (const { source, entries } of sentVideos) {
      const outbound = entries.filter((entry) => entry.type === 'outbound-rtp');
      if (outbound.length === 0) continue;
      measured.add(source);
      const frames = outbound.reduce((sum, entry) => sum + (entry.framesSent ?? 0), 0);
      const at = Math.max(...outbound.map((entry) => entry.timestamp ?? 0));
      const before = this.#framesSent.get(source);
      this.#framesSent.set(source, { frames, at });
      // Fewer than before: a camera sent again (a new producer) counts from zero; no verdict yet.
      const comparable = before !== undefined && frames >= before.frames;
      const seconds = comparable ? (at - before.at) / 1000 : 0;
      const limited = outbound.some((entry) => entry.qualityLimitationReason === 'bandwidth');
      const tooSlow = limited && comparable && seconds > 0 && (frames - before.frames) / seconds < (MIN_SENT_FPS[source] ?? 0);
      const stalled = (comparable && frames === before.frames) || tooSlow;
      const sourceLevel: ConnectionQuality = stalled ? 'poor' : limited ? 'fair' : 'good';
      level = level === null ? sourceLevel : worst(level, sourceLevel);
    }
    // A camera no longer sent (turned off) is forgotten: its next producer starts afresh.
    for (const source of this.#framesSent.keys()) if (!measured.has(source)) this.#framesSent.delete(source);
    return level;
  }
}
