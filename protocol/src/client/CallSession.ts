import { Device } from 'mediasoup-client';
import type { Consumer, Producer, ProducerCodecOptions, RtpEncodingParameters, Transport } from 'mediasoup-client/lib/types';
import { selectedMediaPath } from './mediaPath.ts';
import type { MediaSource, ParticipantRole } from '../domain.ts';
import type { ServerPayload } from '../events.ts';
import type { ProtocolClient } from './ProtocolClient.ts';
import type { SentVideoProgress } from './sendStall.ts';

export interface RemoteTrack {
  consumerId: string;
  source: MediaSource;
  participant: ParticipantRole;
  kind: 'audio' | 'video';
  track: MediaStreamTrack;
  /** A guest's stream: which guest sends it. */
  guestId?: string;
}

export interface PublishOptions {
  encodings?: RtpEncodingParameters[];
  codecOptions?: ProducerCodecOptions;
  /** What the browser gives up first when bandwidth or CPU is short. */
  degradationPreference?: RTCDegradationPreference;
  /**
   * The largest picture sent (one encoding only): a larger capture is scaled down before encoding,
   * by the same factor on both sides. The local track keeps its full size (for stills).
   */
  maxSentSize?: PictureSize;
}

/** A picture's size by its sides, whatever the orientation. */
export interface PictureSize {
  long: number;
  short: number;
}

/**
 * Papers are sent live at up to Full HD: enough to read a form's print on the other side, and a
 * quarter of a 4K camera's encoding work, which a tablet encoding in software (or a weak uplink)
 * cannot keep up with — the picture then stalls, and the face with it. A still is taken from the
 * camera's full-size track, so small print stays sharp there.
 */
export const LIVE_DOCUMENT_SIZE: PictureSize = { long: 1920, short: 1080 };

/** The factor (≥ 1) that brings a captured picture within `max` on both sides. */
export function downscaleToFit(captured: { width?: number; height?: number }, max: PictureSize): number {
  const { width = 0, height = 0 } = captured;
  return Math.max(1, Math.max(width, height) / max.long, Math.min(width, height) / max.short);
}

export interface CallSessionListeners {
  onTrack(track: RemoteTrack): void;
  onTrackEnded(consumerId: string): void;
  /** Worst state of the transports in use, whenever one of them changes. */
  onConnectionState?(state: RTCPeerConnectionState): void;
}

/** Worse states first: the state of several transports is the worst of theirs. */
const STATE_SEVERITY: RTCPeerConnectionState[] = ['closed', 'failed', 'disconnected', 'connecting', 'connected', 'new'];

type CallJoined = ServerPayload<'call:joined'>;

function fitEncoding(track: MediaStreamTrack, encodings: RtpEncodingParameters[] = [{}], max: PictureSize): RtpEncodingParameters[] {
  if (encodings.length !== 1) throw new Error('maxSentSize applies to a single encoding, not to simulcast layers');
  const scale = downscaleToFit(track.getSettings(), max);
  return [{ ...encodings[0], ...(scale > 1 ? { scaleResolutionDownBy: scale } : {}) }];
}

/** How often a wait for sent frames looks again (at the sender's statistics, or for a session that sends). */
export const SENT_FRAMES_POLL_MS = 40;
/** How long the upper simulcast layers wait for the lowest one's first frame at most (a camera must not stay small). */
const LOWEST_LAYER_PATIENCE_MS = 3_000;

/** Resolves once the producer has encoded `frames` frames (in the layer `rid`, if given), or closed, or after `patienceMs`. */
async function untilFramesEncoded(producer: Producer, frames: number, patienceMs: number, rid?: string): Promise<void> {
  const deadline = Date.now() + patienceMs;
  const encoded = async () => {
    for (const stats of (await producer.getStats()).values()) {
      if (stats.type === 'outbound-rtp' && (rid === undefined || stats.rid === rid) && (stats.framesEncoded ?? 0) >= frames) return true;
    }
    return false;
  };
  while (!producer.closed && Date.now() < deadline && !(await encoded())) {
    await new Promise((resolve) => setTimeout(resolve, SENT_FRAMES_POLL_MS));
  }
}

/**
 * A simulcast producer is created with its lowest layer alone and opens the others once that layer
 * has sent a frame. The server then gives the other side its consumer at once, before any packet
 * (instead of waiting for the lowest layer's first one and asking for a second key frame), knowing
 * that the first layer to arrive is the lowest: mediasoup 3.12 takes a consumer's first layer as its
 * timestamp reference, and a top layer that stopped early froze the picture (sfu/simulcastLayers).
 */
async function openUpperLayersOnceLowestSent(producer: Producer, layers: number): Promise<void> {
  try {
    await untilFramesEncoded(producer, 1, LOWEST_LAYER_PATIENCE_MS, producer.rtpParameters.encodings?.[0]?.rid);
    if (!producer.closed) await producer.setMaxSpatialLayer(layers - 1);
  } catch (error) {
    if (!producer.closed) console.warn(`[call] ${producer.appData.source}: cannot open the upper simulcast layers:`, error);
  }
}

/** What one camera sends, from its sender's statistics. */
export interface SentVideoStats {
  source: MediaSource;
  report: RTCStatsReport;
}

/** How often, and how many times, the media path is looked for in the stats after the transport connects. */
const PATH_RETRY_MS = 500;
const PATH_TRIES = 20;

/**
 * The browser's side of one consultation's media in one room: a mediasoup-client Device, one send
 * and one receive transport, the local producers by source and the remote consumers. close()
 * releases all. Recovery across outages (ICE restarts, rejoining a rebuilt room) is CallConnection's.
 */
export class CallSession {
  readonly consultationId: string;
  readonly #client: ProtocolClient;
  readonly #listeners: CallSessionListeners;
  readonly #producers = new Map<MediaSource, Producer>();
  readonly #consumers = new Map<string, Consumer>();
  readonly #consuming = new Set<string>();
  readonly #unsubscribe: (() => void)[] = [];
  #sendTransport?: Transport;
  #recvTransport?: Transport;
  /** The next look for the media path, while the browser's stats do not show it yet (see #reportPath). */
  #pathRetry: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  private constructor(client: ProtocolClient, consultationId: string, listeners: CallSessionListeners) {
    this.#client = client;
    this.consultationId = consultationId;
    this.#listeners = listeners;
  }

  /** Set up media for a joined call: load the router's capabilities, create both transports, tell the server we are ready. */
  static async start(client: ProtocolClient, joined: CallJoined, listeners: CallSessionListeners): Promise<CallSession> {
    const session = new CallSession(client, joined.consultationId, listeners);
    try {
      await session.#start(joined);
    } catch (error) {
      session.close();
      throw error;
    }
    return session;
  }

  async #start(joined: CallJoined): Promise<void> {
    const device = new Device();
    await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities as never });
    // Both at once: each is a round trip to the server, and nothing about one waits for the other.
    // One that was made when the other failed is kept, so that close() closes it.
    const [send, recv] = await Promise.allSettled([this.#createTransport(device, 'send', joined.joinId), this.#createTransport(device, 'recv', joined.joinId)]);
    if (send.status === 'fulfilled') this.#sendTransport = send.value;
    if (recv.status === 'fulfilled') this.#recvTransport = recv.value;
    if (send.status === 'rejected') throw send.reason;
    if (recv.status === 'rejected') throw recv.reason;
    this.#unsubscribe.push(
      this.#client.on('media:newConsumer', (info) => {
        if (info.consultationId !== this.consultationId) return;
        // A consumer closed before it was resumed (the operator left, a transfer) is no error.
        this.#consume(info).catch((error: unknown) => console.warn(`[call] ${info.source} not received:`, error));
      }),
      this.#client.on('media:consumerClosed', ({ consultationId, consumerId }) => {
        if (consultationId === this.consultationId) this.#closeConsumer(consumerId);
      }),
    );
    await this.#client.request('call:ready', {
      consultationId: this.consultationId,
      rtpCapabilities: device.rtpCapabilities as never,
      joinId: joined.joinId,
    });
  }

  /** Send a local track as the given source (mic, face, document, …). */
  async publish(source: MediaSource, track: MediaStreamTrack, options: PublishOptions = {}): Promise<void> {
    const transport = this.#sendTransport;
    if (!transport || this.#closed) throw new Error('call is not connected');
    await this.unpublish(source);
    const { degradationPreference, maxSentSize, ...produceOptions } = options;
    if (maxSentSize) produceOptions.encodings = fitEncoding(track, produceOptions.encodings, maxSentSize);
    const layers = produceOptions.encodings?.length ?? 1;
    // Simulcast starts on its lowest layer alone (see openUpperLayersOnceLowestSent).
    if (layers > 1) produceOptions.encodings = produceOptions.encodings!.map((encoding, index) => (index === 0 ? encoding : { ...encoding, active: false }));
    const producer = await transport.produce({ track, ...produceOptions, stopTracks: false, appData: { source } });
    this.#producers.set(source, producer);
    const sender = producer.rtpSender;
    if (degradationPreference && sender) {
      const parameters = sender.getParameters();
      parameters.degradationPreference = degradationPreference;
      await sender.setParameters(parameters).catch((error: unknown) => {
        // Older browsers refuse the field; contentHint still steers them.
        console.warn(`[call] ${source}: degradationPreference not applied:`, error);
      });
    }
    if (layers > 1) void openUpperLayersOnceLowestSent(producer, layers);
  }

  /** Resolves once the source has sent `frames` frames, or after `patienceMs`; at once if it is not being sent. */
  async framesSent(source: MediaSource, frames: number, patienceMs: number): Promise<void> {
    const producer = this.#producers.get(source);
    if (producer) await untilFramesEncoded(producer, frames, patienceMs).catch(() => {});
  }

  /** Stop sending a source (e.g. the operator stops showing a document); the other side's consumer closes. */
  async unpublish(source: MediaSource): Promise<void> {
    const producer = this.#producers.get(source);
    if (!producer) return;
    producer.close();
    this.#producers.delete(source);
    await this.#client.request('media:closeProducer', { consultationId: this.consultationId, producerId: producer.id });
  }

  /** Mute or unmute a local source; the server stops forwarding it while paused. */
  async setPaused(source: MediaSource, paused: boolean): Promise<void> {
    const producer = this.#producers.get(source);
    if (!producer) return;
    if (paused) producer.pause();
    else producer.resume();
    await this.#client.request('media:setProducerPaused', {
      consultationId: this.consultationId,
      producerId: producer.id,
      paused,
    });
  }

  /** The worst connection state of the transports that are in use ('new' ones carry nothing yet). */
  get connectionState(): RTCPeerConnectionState {
    const states = this.#transports().map((transport) => transport.connectionState);
    return STATE_SEVERITY.find((state) => states.includes(state)) ?? 'new';
  }

  isPublishing(source: MediaSource): boolean {
    return this.#producers.has(source);
  }

  /** Consumer ids of the remote tracks this session delivered and has not ended. */
  get consumerIds(): string[] {
    return [...this.#consumers.keys()];
  }

  /**
   * Restart ICE on every transport that is not connected (`all`: every one in use, for a link gone
   * silent that ICE still calls connected): new credentials from the server, the same transports,
   * producers and consumers. Throws when the server no longer has a transport.
   */
  async restartIce(disconnectedForMs: number, all = false): Promise<void> {
    for (const transport of this.#transports()) {
      if (transport.connectionState === 'new' || (transport.connectionState === 'connected' && !all)) continue;
      const { iceParameters } = await this.#client.request('media:restartIce', {
        consultationId: this.consultationId,
        transportId: transport.id,
        disconnectedForMs: Math.min(3_600_000, Math.max(0, Math.round(disconnectedForMs))),
      });
      if (this.#closed) return;
      await transport.restartIce({ iceParameters: iceParameters as never });
    }
  }

  /** WebRTC statistics of the send and the receive transport (for a connection-quality indicator). */
  async getStats(): Promise<RTCStatsReport[]> {
    return Promise.all(this.#transports().map((transport) => transport.getStats()));
  }

  /**
   * The sending statistics of each camera being sent (its own RTCRtpSender: every simulcast layer),
   * to tell whether its picture really gets out on this uplink. Paused cameras are left out.
   */
  async sentVideoStats(): Promise<SentVideoStats[]> {
    const sending = [...this.#producers].filter(([, producer]) => producer.kind === 'video' && !producer.paused && !producer.closed);
    return Promise.all(sending.map(async ([source, producer]) => ({ source, report: await producer.getStats() })));
  }

  #transports(): Transport[] {
    return [this.#sendTransport, this.#recvTransport].filter((t): t is Transport => !!t && !t.closed);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#pathRetry);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const producer of this.#producers.values()) producer.close();
    for (const consumer of this.#consumers.values()) consumer.close();
    this.#producers.clear();
    this.#consumers.clear();
    this.#sendTransport?.close();
    this.#recvTransport?.close();
  }

  async #createTransport(device: Device, direction: 'send' | 'recv', joinId: string): Promise<Transport> {
    const options = await this.#client.request('media:createTransport', {
      consultationId: this.consultationId,
      direction,
      joinId,
    });
    const transport =
      direction === 'send'
        ? device.createSendTransport(options as never)
        : device.createRecvTransport(options as never);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.#client
        .request('media:connectTransport', {
          consultationId: this.consultationId,
          transportId: transport.id,
          dtlsParameters: dtlsParameters as never,
        })
        .then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        this.#client
          .request('media:produce', {
            consultationId: this.consultationId,
            transportId: transport.id,
            kind,
            rtpParameters: rtpParameters as never,
            source: appData.source as MediaSource,
          })
          .then(({ producerId }) => callback({ id: producerId }), errback);
      });
    }
    transport.on('connectionstatechange', (state) => {
      if (this.#closed) return;
      this.#listeners.onConnectionState?.(this.connectionState);
      if (direction === 'send' && state === 'connected') this.#reportPath(transport);
    });
    return transport;
  }

  /**
   * Tell the server which path the media took (direct or through TURN), for the wallboard and the
   * record. The stats may not name the selected pair yet when the transport says connected (CI, a
   * TURN/TLS path on a loaded machine: never reported), so they are read again, every
   * PATH_RETRY_MS, up to PATH_TRIES times while it stays connected.
   */
  #reportPath(transport: Transport, attempt = 1): void {
    clearTimeout(this.#pathRetry);
    transport
      .getStats()
      .then((report) => {
        if (this.#closed || transport.closed || transport.connectionState !== 'connected') return;
        const path = selectedMediaPath(report.values() as Iterable<Record<string, unknown>>);
        if (path) return this.#client.request('media:path', { consultationId: this.consultationId, path });
        if (attempt < PATH_TRIES) this.#pathRetry = setTimeout(() => this.#reportPath(transport, attempt + 1), PATH_RETRY_MS);
      })
      .catch(() => undefined);
  }

  /** Close the consumers the server no longer has (their closing push was lost with a socket). */
  keepOnly(consumerIds: readonly string[]): void {
    for (const consumerId of [...this.#consumers.keys()]) if (!consumerIds.includes(consumerId)) this.#closeConsumer(consumerId);
  }

  /**
   * The frames captured and encoded so far by the video senders that should be sending (not paused,
   * their camera live); null when there are none.
   */
  async sentVideoProgress(): Promise<SentVideoProgress | null> {
    const sending = [...this.#producers.values()].filter((producer) => producer.kind === 'video' && !producer.paused && !producer.closed && producer.track?.readyState === 'live');
    if (sending.length === 0) return null;
    const progress: SentVideoProgress = { captured: 0, encoded: 0 };
    for (const report of await Promise.all(sending.map((producer) => producer.getStats()))) {
      report.forEach((stat: { type: string; frames?: number; framesEncoded?: number }) => {
        if (stat.type === 'media-source') progress.captured += stat.frames ?? 0;
        if (stat.type === 'outbound-rtp') progress.encoded += stat.framesEncoded ?? 0;
      });
    }
    return progress;
  }

  /**
   * Bytes and STUN answers received on all transports so far: while media flows this grows every
   * few hundred ms (RTP, the SFU's RTCP reports, ICE consent answers); a link cut leaves it still.
   */
  async receivedSoFar(): Promise<number> {
    let total = 0;
    for (const report of await this.getStats()) {
      report.forEach((stat: { type: string; bytesReceived?: number; responsesReceived?: number }) => {
        if (stat.type === 'candidate-pair') total += (stat.bytesReceived ?? 0) + (stat.responsesReceived ?? 0);
      });
    }
    return total;
  }

  async #consume(info: ServerPayload<'media:newConsumer'>): Promise<void> {
    const transport = this.#recvTransport;
    // Announced again after a socket came back: already held (or being created).
    if (!transport || this.#closed || this.#consumers.has(info.consumerId) || this.#consuming.has(info.consumerId)) return;
    this.#consuming.add(info.consumerId);
    let consumer: Consumer;
    try {
      consumer = await transport.consume({
        id: info.consumerId,
        producerId: info.producerId,
        kind: info.kind,
        rtpParameters: info.rtpParameters as never,
      });
    } finally {
      this.#consuming.delete(info.consumerId);
    }
    if (this.#closed) {
      consumer.close();
      return;
    }
    this.#consumers.set(consumer.id, consumer);
    this.#listeners.onTrack({
      consumerId: consumer.id,
      source: info.source,
      participant: info.participant,
      kind: info.kind,
      track: consumer.track,
      ...(info.guestId ? { guestId: info.guestId } : {}),
    });
    await this.#client.request('media:resumeConsumer', { consultationId: this.consultationId, consumerId: consumer.id });
  }

  #closeConsumer(consumerId: string): void {
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) return;
    consumer.close();
    this.#consumers.delete(consumerId);
    this.#listeners.onTrackEnded(consumerId);
  }
}
