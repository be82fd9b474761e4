import type { types } from 'mediasoup';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FIRST_SIMULCAST_LAYERS, serveFirst, watchStarved } from '../src/simulcastLayers.ts';
import { useVp8Router, vp8KeyFrame } from './rtpRig.ts';

/**
 * A receiver whose bandwidth estimate (mediasoup's transport-cc client, 600 kbps until feedback
 * arrives) is below the document camera's bitrate: its transport consumes the resident's face (two
 * simulcast layers, only the lowest sending, 250 kbps) and the document (one stream, 1.2 Mbps).
 * Real RTP through a real mediasoup worker: VP8 key frames from a UDP socket into a plain transport,
 * forwarded to another UDP socket that counts what arrives by SSRC.
 */

const FACE_LOW_SSRC = 1111;
const FACE_TOP_SSRC = 2222;
const DOCUMENT_SSRC = 3333;
const TICK_MS = 40;

const vp8 = { mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, rtcpFeedback: [{ type: 'nack', parameter: 'pli' }] };

describe('a receiver whose bandwidth estimate cannot carry the document and the face together', () => {
  const rig = useVp8Router();
  const udpSocket = () => rig.udpSocket();
  /** What watchStarved tells the receiver's party (starved, and the estimate in kbps). */
  let toldReceiver: Array<[boolean, number | undefined]> = [];
  const told = (starved: boolean, estimateBps: number | undefined) => {
    toldReceiver.push([starved, estimateBps === undefined ? undefined : Math.round(estimateBps / 1000)]);
  };
  beforeEach(() => {
    toldReceiver = [];
  });

  /**
   * The two cameras send; the receiver's transport consumes both, with `setUp` applied to each
   * consumer; returns the RTP packets of each that reach the receiver in the last second of three.
   * `then` runs after that with the document's consumer, the media still flowing.
   */
  async function faceAndDocument(
    setUp: (consumer: types.Consumer, producer: types.Producer, transport: types.Transport) => unknown,
    then?: (documentConsumer: types.Consumer) => Promise<void>,
  ) {
    const sendTransport = await rig.router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: true });
    const recvTransport = await rig.router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: false });
    const sender = await udpSocket();
    const receiver = await udpSocket();
    await recvTransport.connect({ ip: '127.0.0.1', port: receiver.address().port });
    const face = await sendTransport.produce({
      kind: 'video',
      rtpParameters: { codecs: [vp8], encodings: [{ ssrc: FACE_LOW_SSRC }, { ssrc: FACE_TOP_SSRC }], rtcp: { cname: 'face' } },
    });
    const document = await sendTransport.produce({
      kind: 'video',
      rtpParameters: { codecs: [vp8], encodings: [{ ssrc: DOCUMENT_SSRC }], rtcp: { cname: 'document' } },
    });
    const received = new Map<number, number>();
    receiver.on('message', (packet: Buffer) => {
      const type = packet[1]! & 0x7f;
      if (type >= 64 && type <= 95) return; // RTCP (RFC 5761)
      const ssrc = packet.readUInt32BE(8);
      received.set(ssrc, (received.get(ssrc) ?? 0) + 1);
    });
    let tick = 0;
    const port = sendTransport.tuple.localPort;
    const timer = setInterval(() => {
      tick += 1;
      // Per 40 ms: the face's lowest layer one packet of 1,250 bytes (250 kbps), the document six of 1,000 (1.2 Mbps).
      sender.send(vp8KeyFrame(FACE_LOW_SSRC, tick, tick * 3600, tick, 1_250), port, '127.0.0.1');
      for (let i = 0; i < 6; i += 1) sender.send(vp8KeyFrame(DOCUMENT_SSRC, tick * 6 + i, tick * 3600, tick, 1_000), port, '127.0.0.1');
    }, TICK_MS);
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      await sleep(1_200); // both producers have a measured bitrate
      const consumers: types.Consumer[] = [];
      for (const producer of [document, face]) {
        const consumer = await recvTransport.consume({
          producerId: producer.id,
          rtpCapabilities: rig.router.rtpCapabilities,
          paused: true,
          preferredLayers: producer.type === 'simulcast' ? FIRST_SIMULCAST_LAYERS : undefined,
        });
        setUp(consumer, producer, recvTransport);
        consumers.push(consumer);
      }
      for (const consumer of consumers) await consumer.resume();
      await sleep(2_000);
      const before = new Map(received);
      await sleep(1_000);
      const inLastSecond = (consumer: types.Consumer) => {
        const ssrc = consumer.rtpParameters.encodings![0]!.ssrc!;
        return (received.get(ssrc) ?? 0) - (before.get(ssrc) ?? 0);
      };
      const [documentConsumer, faceConsumer] = consumers;
      const counts = { face: inLastSecond(faceConsumer!), document: inLastSecond(documentConsumer!) };
      await then?.(documentConsumer!);
      return counts;
    } finally {
      clearInterval(timer);
      sendTransport.close();
      recvTransport.close();
    }
  }

  it('forwards the face’s lowest layer when the face is served first', async () => {
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const { face, document } = await faceAndDocument((consumer, producer, transport) => {
        serveFirst(consumer);
        if (consumer.type === 'simulcast') watchStarved(consumer, producer, transport, 'the receiver', told, 1_000);
      });
      expect(face).toBeGreaterThan(15);
      expect(document).toBeGreaterThan(100);
      expect(warnings).not.toHaveBeenCalled();
      expect(toldReceiver).toEqual([]);
    } finally {
      warnings.mockRestore();
    }
  });

  it('(why) freezes the face when the document is served first: it is counted for all it uses', async () => {
    // At one priority, which is served first is the order of the worker's own map of consumers:
    // the face froze in some calls and not in others. Here the document is put first on purpose.
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const { face, document } = await faceAndDocument(
        (consumer, producer, transport) =>
          consumer.type === 'simulcast' ? watchStarved(consumer, producer, transport, 'the receiver', told, 1_000) : consumer.setPriority(2),
        // The document paused (the estimate now carries the face): the party is told the face flows again.
        async (documentConsumer) => {
          await documentConsumer.pause();
          const deadline = Date.now() + 5_000;
          while (toldReceiver.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        },
      );
      expect(face).toBe(0);
      expect(document).toBeGreaterThan(100);
      // What the server's log says about it: the receiver, and its estimate.
      expect(warnings.mock.calls.map((call) => call.join(' '))).toEqual([
        "[sfu:simulcast] the receiver has been sent no layer of a simulcast stream for 1 s although its lowest layer arrives: the receiver's estimate is 600 kbps",
      ]);
      // And what its party is told, so its screen blames its own link, not the sender's.
      expect(toldReceiver).toEqual([
        [true, 600],
        [false, undefined],
      ]);
    } finally {
      warnings.mockRestore();
    }
  });
});
