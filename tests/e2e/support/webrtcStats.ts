import type { Page } from '@playwright/test';

/**
 * Keep every RTCPeerConnection a page creates, so tests can read getStats() on the receiving
 * side — the only proof that media really arrives and decodes. The helpers read only the
 * connections to the SFU (`__sfuConnections`: mediasoup answers ICE-lite): the tablet's camera
 * check also connects the page to itself for a moment, and that is no media path of the call.
 */
export async function recordPeerConnections(page: Page): Promise<void> {
  // A string, not a function: run by tsx (the benches), a function's class would call tsx's name
  // helper, which does not exist in the page, and no connection would be recorded.
  await page.addInitScript(`(() => {
    const Original = window.RTCPeerConnection;
    const created = [];
    Object.defineProperty(window, '__sfuConnections', {
      get: () => created.filter((connection) => connection.remoteDescription?.sdp.includes('a=ice-lite')),
    });
    window.RTCPeerConnection = class extends Original {
      constructor(...args) {
        super(...args);
        created.push(this);
      }
    };
  })()`);
}

export interface InboundStream {
  kind: 'audio' | 'video';
  trackIdentifier: string;
  bytesReceived: number;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  totalSamplesReceived: number;
  /** Audio samples the receiver made up (concealment) because packets were missing; part of totalSamplesReceived. */
  concealedSamples: number;
  packetsReceived: number;
}

/** inbound-rtp figures of every live receiving stream on the page. */
export async function inboundStreams(page: Page): Promise<InboundStream[]> {
  return page.evaluate(async () => {
    const connections = (window as unknown as { __sfuConnections: RTCPeerConnection[] }).__sfuConnections;
    const streams: InboundStream[] = [];
    for (const connection of connections) {
      if (connection.connectionState === 'closed') continue;
      const report = await connection.getStats();
      report.forEach((stat) => {
        // 'probator' is mediasoup's bandwidth-probing stream (padding only), not media.
        if (stat.type !== 'inbound-rtp' || stat.trackIdentifier === 'probator') return;
        streams.push({
          kind: stat.kind,
          trackIdentifier: stat.trackIdentifier,
          bytesReceived: stat.bytesReceived ?? 0,
          framesDecoded: stat.framesDecoded ?? 0,
          frameWidth: stat.frameWidth ?? 0,
          frameHeight: stat.frameHeight ?? 0,
          totalSamplesReceived: stat.totalSamplesReceived ?? 0,
          concealedSamples: stat.concealedSamples ?? 0,
          packetsReceived: stat.packetsReceived ?? 0,
        });
      });
    }
    return streams;
  });
}

/** The id of the track shown in a video element (waiting until the element has one), to find its stream in getStats. */
export async function trackIdOf(page: Page, testId: string): Promise<string> {
  const handle = await page.waitForFunction((id) => {
    const element = document.querySelector<HTMLVideoElement>(`[data-testid="${id}"]`);
    const stream = element?.srcObject as MediaStream | null | undefined;
    return stream?.getVideoTracks()[0]?.id ?? false;
  }, testId);
  return (await handle.jsonValue()) as string;
}

/** Sample inbound stats twice, `ms` apart, and pair each stream's before and after figures. */
export async function sampleGrowth(page: Page, ms = 3000): Promise<{ before: InboundStream; after: InboundStream }[]> {
  const before = await inboundStreams(page);
  await page.waitForTimeout(ms);
  const after = await inboundStreams(page);
  return after.flatMap((stream) => {
    const earlier = before.find((s) => s.trackIdentifier === stream.trackIdentifier);
    return earlier ? [{ before: earlier, after: stream }] : [];
  });
}

/**
 * How many inbound streams really carry media between two samples: video whose framesDecoded
 * rose; audio whose packets arrived and whose *received* samples (totalSamplesReceived minus
 * concealedSamples) rose — Chromium keeps adding concealment samples to totalSamplesReceived while
 * nothing arrives, so the raw count alone rises through a network cut.
 */
export function flowingStreams(before: InboundStream[], after: InboundStream[]): { video: number; audio: number } {
  let video = 0;
  let audio = 0;
  for (const stream of after) {
    const earlier = before.find((s) => s.trackIdentifier === stream.trackIdentifier);
    if (!earlier) continue;
    if (stream.kind === 'video' && stream.framesDecoded > earlier.framesDecoded) video += 1;
    if (
      stream.kind === 'audio' &&
      stream.packetsReceived > earlier.packetsReceived &&
      stream.totalSamplesReceived - stream.concealedSamples > earlier.totalSamplesReceived - earlier.concealedSamples
    )
      audio += 1;
  }
  return { video, audio };
}

export interface FlowExpectation {
  /** At least this many inbound video streams decoding frames. */
  video: number;
  /** At least this many inbound audio streams receiving samples. */
  audio: number;
}

const meets = (flow: { video: number; audio: number }, want: FlowExpectation) => flow.video >= want.video && flow.audio >= want.audio;

/**
 * Poll the page's getStats() every `intervalMs` until `want` streams are flowing between two
 * consecutive samples (frames decoded / audio samples received rising again), and resolve with the
 * milliseconds from `since` (default: the call) to the sample that showed it. Rejects after `timeoutMs`
 * with the last figures. The resolution is one interval: the rise happened between the two samples.
 */
export async function waitForMediaFlowing(
  page: Page,
  want: FlowExpectation,
  {
    timeoutMs = 30_000,
    intervalMs = 250,
    since = Date.now(),
    newerThan = [],
  }: {
    timeoutMs?: number;
    intervalMs?: number;
    since?: number;
    /** Streams that do not count (those of a room that was lost): only the receivers made after them do. */
    newerThan?: InboundStream[];
  } = {},
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const old = new Set(newerThan.map((stream) => stream.trackIdentifier));
  const sample = () =>
    inboundStreams(page).then(
      (streams) => streams.filter((stream) => !old.has(stream.trackIdentifier)),
      () => [] as InboundStream[],
    );
  let previous = await sample();
  let last = { video: 0, audio: 0 };
  for (;;) {
    await new Promise((r) => setTimeout(r, intervalMs));
    // A page that is reloading has no stats for a moment.
    const current = await sample();
    last = flowingStreams(previous, current);
    if (meets(last, want)) return Date.now() - since;
    if (Date.now() > deadline) {
      const streams = current.map((s) => `${s.kind} ${s.frameWidth}x${s.frameHeight} frames=${s.framesDecoded} packets=${s.packetsReceived}`);
      throw new Error(`media not flowing after ${timeoutMs} ms: want ${JSON.stringify(want)}, flowing ${JSON.stringify(last)} of ${current.length} inbound stream(s): ${streams.join('; ')}`);
    }
    previous = current;
  }
}

/**
 * The opposite, to prove a fault really stopped the media: resolve with the milliseconds from
 * `since` until no inbound stream decodes or receives anything over a whole `windowMs` (several
 * samples in a row, so one late packet does not count as flowing). Rejects after `timeoutMs`.
 */
export async function waitForMediaStopped(
  page: Page,
  { timeoutMs = 20_000, windowMs = 1_000, intervalMs = 250, since = Date.now() }: { timeoutMs?: number; windowMs?: number; intervalMs?: number; since?: number } = {},
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let previous = await inboundStreams(page).catch(() => [] as InboundStream[]);
  let quietSince: number | null = null;
  for (;;) {
    await new Promise((r) => setTimeout(r, intervalMs));
    const current = await inboundStreams(page).catch(() => [] as InboundStream[]);
    const flow = flowingStreams(previous, current);
    const now = Date.now();
    if (flow.video + flow.audio > 0) quietSince = null;
    else if (quietSince === null) quietSince = now - intervalMs;
    if (quietSince !== null && now - quietSince >= windowMs) return quietSince - since;
    if (now > deadline) throw new Error(`media still flowing ${timeoutMs} ms after the fault: ${JSON.stringify(flow)}`);
    previous = current;
  }
}

export interface OutboundVideo {
  rid: string | null;
  frameWidth: number;
  frameHeight: number;
  framesEncoded: number;
  bytesSent: number;
  qualityLimitationReason: string;
  /** The track this encoding sends. */
  trackIdentifier: string;
  /** Receiver Reports the SFU sent back about this encoding (remote-inbound-rtp's round-trip measurements). */
  receiverReports: number;
}

/** outbound-rtp figures of every video encoding the page sends (one per simulcast layer). */
export async function outboundVideo(page: Page): Promise<OutboundVideo[]> {
  return page.evaluate(async () => {
    const connections = (window as unknown as { __sfuConnections: RTCPeerConnection[] }).__sfuConnections;
    const encodings: OutboundVideo[] = [];
    for (const connection of connections) {
      if (connection.connectionState === 'closed') continue;
      const report = await connection.getStats();
      report.forEach((stat) => {
        if (stat.type !== 'outbound-rtp' || stat.kind !== 'video') return;
        const source = stat.mediaSourceId ? report.get(stat.mediaSourceId) : undefined;
        encodings.push({
          rid: stat.rid ?? null,
          frameWidth: stat.frameWidth ?? 0,
          frameHeight: stat.frameHeight ?? 0,
          framesEncoded: stat.framesEncoded ?? 0,
          bytesSent: stat.bytesSent ?? 0,
          qualityLimitationReason: stat.qualityLimitationReason ?? 'none',
          trackIdentifier: source?.trackIdentifier ?? '',
          receiverReports: (stat.remoteId ? report.get(stat.remoteId)?.roundTripTimeMeasurements : undefined) ?? 0,
        });
      });
    }
    return encodings;
  });
}

/** The network path of one of a page's peer connections: the ICE candidate pair in use. */
export interface MediaPath {
  /** host, srflx, prflx or relay: relay means through TURN. */
  localType: string;
  /** udp or tcp between browser and its first hop (the SFU, or TURN when relayed). */
  protocol: string;
  /** For a relay candidate: how the browser reaches TURN (udp, tcp or tls). */
  relayProtocol?: string;
  remoteType: string;
  rttMs?: number;
  /** The browser's bandwidth estimate for what it sends on this pair (its congestion control's). */
  availableOutgoingKbps?: number;
  /** Bytes received on the pair: media and RTCP from the SFU (or TURN). */
  bytesReceived?: number;
}

/** The selected candidate pair of each of the page's connected peer connections. */
export async function mediaPaths(page: Page): Promise<MediaPath[]> {
  return page.evaluate(async () => {
    const connections = (window as unknown as { __sfuConnections: RTCPeerConnection[] }).__sfuConnections;
    const paths: MediaPath[] = [];
    for (const connection of connections) {
      if (connection.connectionState !== 'connected') continue;
      const stats = [...(await connection.getStats()).values()] as Array<Record<string, unknown>>;
      const byId = new Map(stats.map((entry) => [entry.id as string, entry]));
      const transport = stats.find((entry) => entry.type === 'transport');
      const pair = byId.get(transport?.selectedCandidatePairId as string) ?? stats.find((entry) => entry.type === 'candidate-pair' && entry.nominated && entry.state === 'succeeded');
      if (!pair) continue;
      const local = byId.get(pair.localCandidateId as string)!;
      const remote = byId.get(pair.remoteCandidateId as string)!;
      paths.push({
        localType: local.candidateType as string,
        protocol: local.protocol as string,
        relayProtocol: local.relayProtocol as string | undefined,
        remoteType: remote.candidateType as string,
        rttMs: typeof pair.currentRoundTripTime === 'number' ? Math.round(pair.currentRoundTripTime * 1000) : undefined,
        availableOutgoingKbps: typeof pair.availableOutgoingBitrate === 'number' ? Math.round(pair.availableOutgoingBitrate / 1000) : undefined,
        bytesReceived: typeof pair.bytesReceived === 'number' ? pair.bytesReceived : undefined,
      });
    }
    return paths;
  });
}

/** Bytes the page has sent in media so far, over every outbound-rtp stream (audio and video): 0 for a page that sends nothing. */
export async function mediaBytesSent(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const connections = (window as unknown as { __sfuConnections: RTCPeerConnection[] }).__sfuConnections;
    let total = 0;
    for (const connection of connections) {
      if (connection.connectionState === 'closed') continue;
      (await connection.getStats()).forEach((stat) => {
        if (stat.type === 'outbound-rtp') total += stat.bytesSent ?? 0;
      });
    }
    return total;
  });
}
