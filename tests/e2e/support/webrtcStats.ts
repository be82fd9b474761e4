import type { Page } from '@playwright/test';

/**
 * Keep every RTCPeerConnection a page creates, so tests can read getStats() on the receiving
 * side — the only proof that media really arrives and decodes.
 */
export async function recordPeerConnections(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Original = window.RTCPeerConnection;
    const created: RTCPeerConnection[] = [];
    (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections = created;
    window.RTCPeerConnection = class extends Original {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        created.push(this);
      }
    } as typeof RTCPeerConnection;
  });
}

export interface InboundStream {
  kind: 'audio' | 'video';
  trackIdentifier: string;
  bytesReceived: number;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  totalSamplesReceived: number;
}

/** inbound-rtp figures of every live receiving stream on the page. */
export async function inboundStreams(page: Page): Promise<InboundStream[]> {
  return page.evaluate(async () => {
    const connections = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
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

export interface OutboundVideo {
  rid: string | null;
  frameWidth: number;
  frameHeight: number;
  framesEncoded: number;
  bytesSent: number;
  qualityLimitationReason: string;
  /** The track this encoding sends. */
  trackIdentifier: string;
}

/** outbound-rtp figures of every video encoding the page sends (one per simulcast layer). */
export async function outboundVideo(page: Page): Promise<OutboundVideo[]> {
  return page.evaluate(async () => {
    const connections = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
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
        });
      });
    }
    return encodings;
  });
}
