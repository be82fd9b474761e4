import type { DtlsParameters, MediaSource, ServerPayload } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { BotTransport, type BotCertificate } from './BotTransport.ts';
import type { Clip } from './clips.ts';
import { receiverKey, type MediaPump } from './MediaPump.ts';

type CallJoined = ServerPayload<'call:joined'>;
type NewConsumer = ServerPayload<'media:newConsumer'>;

const OPUS_PAYLOAD_TYPE = 111;
const VP8_PAYLOAD_TYPE = 96;
const VIDEO_FEEDBACK = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }];

/** What one party sends: a source, and its clip per simulcast layer (one clip: no simulcast). */
export interface SourcePlan {
  source: MediaSource;
  layers: { clip: Clip; maxBitrate?: number; scaleResolutionDownBy?: number }[];
}

let nextSsrc = 0x10000000 + Math.floor(Math.random() * 0x1000000);

/**
 * The RTP capabilities a bot declares in call:ready: Opus and VP8 only, with NACK/PLI/FIR, and no
 * header extensions — so no transport-wide congestion control or REMB: the SFU forwards the best
 * simulcast layer without a bandwidth estimate (the bots send no feedback for one).
 */
function botRtpCapabilities(router: CallJoined['routerRtpCapabilities']) {
  const codecs = (router.codecs ?? []).filter((codec) => ['audio/opus', 'video/VP8'].includes(codec.mimeType as string));
  return { codecs: codecs.map((codec) => ({ ...codec, rtcpFeedback: codec.kind === 'video' ? VIDEO_FEEDBACK : [] })), headerExtensions: [] };
}

function rtpParameters(plan: SourcePlan, ssrcs: number[]) {
  const audio = plan.layers[0]!.clip.kind === 'audio';
  const codec = audio
    ? { mimeType: 'audio/opus', payloadType: OPUS_PAYLOAD_TYPE, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 }, rtcpFeedback: [] }
    : { mimeType: 'video/VP8', payloadType: VP8_PAYLOAD_TYPE, clockRate: 90000, rtcpFeedback: VIDEO_FEEDBACK };
  return {
    codecs: [codec],
    headerExtensions: [],
    encodings: plan.layers.map(({ maxBitrate, scaleResolutionDownBy }, i) => ({ ssrc: ssrcs[i]!, maxBitrate, scaleResolutionDownBy })),
    rtcp: { cname: `bot-${ssrcs[0]}` },
  };
}

/**
 * One party of a consultation as a bot: on call:joined it creates its send and receive transports
 * through the real signaling, connects them (ICE, DTLS, SRTP), produces its sources and consumes
 * what the server announces. The media pump sends its streams and counts what arrives; the bot
 * keeps the ids under which the pump counts them. close() ends its media (not its socket).
 */
export class CallBot {
  readonly client: ProtocolClient;
  /** The pump's keys of the streams received, once their consumer was announced (see PumpStats.receivers). */
  readonly received = new Set<string>();
  /** The pump's ids of the streams sent. */
  readonly sent: number[] = [];
  readonly #certificate: BotCertificate;
  readonly #pump: MediaPump;
  readonly #transports: BotTransport[] = [];
  readonly #unsubscribe: (() => void)[] = [];
  #closed = false;

  constructor(client: ProtocolClient, certificate: BotCertificate, pump: MediaPump) {
    this.client = client;
    this.#certificate = certificate;
    this.#pump = pump;
  }

  /** Join the call's media and send `plan`; resolves once every source is produced. */
  async join(joined: CallJoined, plan: SourcePlan[]): Promise<void> {
    const { consultationId } = joined;
    const announced: NewConsumer[] = [];
    let recv: BotTransport | undefined;
    const consume = (receiving: BotTransport, consumer: NewConsumer) => {
      const codec = consumer.rtpParameters.codecs[0]!;
      const ssrc = consumer.rtpParameters.encodings?.[0]?.ssrc;
      if (ssrc !== undefined && !this.received.has(receiverKey(receiving.socket.id, ssrc))) {
        receiving.socket.count(ssrc, codec.clockRate);
        this.received.add(receiverKey(receiving.socket.id, ssrc));
      }
      this.client.request('media:resumeConsumer', { consultationId, consumerId: consumer.consumerId }).catch(() => undefined);
    };
    this.#unsubscribe.push(
      this.client.on('media:newConsumer', (consumer) => {
        if (consumer.consultationId !== consultationId || this.#closed) return;
        if (recv) consume(recv, consumer);
        else announced.push(consumer);
      }),
    );
    const connect = (transportId: string) => (dtlsParameters: DtlsParameters) =>
      this.client.request('media:connectTransport', { consultationId, transportId, dtlsParameters }).then(() => undefined);
    const sendOptions = await this.client.request('media:createTransport', { consultationId, direction: 'send' });
    const send = this.#open(await BotTransport.connect(sendOptions, this.#certificate, connect(sendOptions.id), this.#pump));
    const recvOptions = await this.client.request('media:createTransport', { consultationId, direction: 'recv' });
    recv = this.#open(await BotTransport.connect(recvOptions, this.#certificate, connect(recvOptions.id), this.#pump));
    for (const consumer of announced.splice(0)) consume(recv, consumer);
    await this.client.request('call:ready', { consultationId, rtpCapabilities: botRtpCapabilities(joined.routerRtpCapabilities) as never });
    for (const source of plan) {
      const ssrcs = source.layers.map(() => nextSsrc++);
      const kind = source.layers[0]!.clip.kind;
      // Sending starts before the producer exists, as a browser's does: mediasoup drops what it cannot route yet.
      for (const [i, { clip }] of source.layers.entries()) {
        this.sent.push(send.socket.sendClip(clip, ssrcs[i]!, kind === 'audio' ? OPUS_PAYLOAD_TYPE : VP8_PAYLOAD_TYPE, Math.random() * clip.frameIntervalMs));
      }
      await this.client.request('media:produce', { consultationId, transportId: send.id, kind, rtpParameters: rtpParameters(source, ssrcs) as never, source: source.source });
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const transport of this.#transports) transport.close();
  }

  #open(transport: BotTransport): BotTransport {
    this.#transports.push(transport);
    if (this.#closed) transport.close();
    return transport;
  }
}
