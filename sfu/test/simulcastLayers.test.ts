import type { types } from 'mediasoup';
import { describe, expect, it } from 'vitest';
import { FIRST_SIMULCAST_LAYERS, noLayerAheadOfLowest, upgradeWhenForwarding } from '../src/simulcastLayers.ts';
import { useVp8Router, vp8KeyFrame } from './rtpRig.ts';

/**
 * A two-layer simulcast camera whose top layer stops in the call's first second, before it ever sent
 * an RTCP Sender Report — what Chromium does when its bandwidth estimate or CPU cannot carry the top
 * layer. Real RTP through a real mediasoup worker: VP8 key frames sent from a UDP socket to a plain
 * transport, forwarded by the consumer to another UDP socket that counts what arrives.
 */

const LOW_SSRC = 1111;
const TOP_SSRC = 2222;
const FRAME_MS = 33;

describe('a simulcast consumer whose top layer stops before its first Sender Report', () => {
  const rig = useVp8Router();
  const udpSocket = () => rig.udpSocket();

  interface Camera {
    /** How much later than the top layer the lowest one starts (a page that has just started its camera). */
    lowestLayerLateMs?: number;
    /** How much later than the lowest layer the top one starts (a page that opens it once the lowest sent a frame). */
    topLayerLateMs?: number;
    /** How long after the sending starts the consumer is created (0: before any packet). */
    consumeAfterMs?: number;
    /** What the server awaits before it creates the consumer. */
    beforeConsume?: (producer: types.Producer) => Promise<void>;
  }

  /**
   * The browser's sequence: the layers start flowing; the consumer is created paused (100 ms later by
   * default); it is resumed 300 ms later (the browser holds it); 400 ms after that the top layer stops
   * for good. Returns the
   * packets that reach the receiver over the last second of the 4 s after that, and the consumer's
   * layers then.
   */
  async function topLayerStopsEarly(
    setUp: (consumer: types.Consumer) => void,
    preferredLayers?: types.ConsumerLayers,
    { lowestLayerLateMs = 0, topLayerLateMs = 0, consumeAfterMs = 100, beforeConsume }: Camera = {},
  ) {
    const sendTransport = await rig.router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: true });
    const recvTransport = await rig.router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: false });
    const sender = await udpSocket();
    const receiver = await udpSocket();
    await recvTransport.connect({ ip: '127.0.0.1', port: receiver.address().port });
    const producer = await sendTransport.produce({
      kind: 'video',
      rtpParameters: {
        codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, rtcpFeedback: [{ type: 'nack', parameter: 'pli' }] }],
        encodings: [{ ssrc: LOW_SSRC }, { ssrc: TOP_SSRC }],
        rtcp: { cname: 'camera' },
      },
    });
    let received = 0;
    // RTP only: the consumer's transport also sends RTCP there (RFC 5761: types 64–95 are RTCP).
    const isRtcp = (packet: Buffer) => (packet[1]! & 0x7f) >= 64 && (packet[1]! & 0x7f) <= 95;
    receiver.on('message', (packet) => (received += isRtcp(packet) ? 0 : 1));

    let frame = 0;
    let topLayerSending = true;
    const lowestLayerFrom = Date.now() + lowestLayerLateMs;
    const topLayerFrom = Date.now() + topLayerLateMs;
    const sendFrame = () => {
      frame += 1;
      const port = sendTransport.tuple.localPort;
      if (Date.now() >= lowestLayerFrom) sender.send(vp8KeyFrame(LOW_SSRC, frame, frame * 3000, frame), port, '127.0.0.1');
      if (topLayerSending && Date.now() >= topLayerFrom) sender.send(vp8KeyFrame(TOP_SSRC, frame, frame * 3000, frame), port, '127.0.0.1');
    };
    const timer = setInterval(sendFrame, FRAME_MS);
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      await sleep(consumeAfterMs);
      await beforeConsume?.(producer);
      const consumer = await recvTransport.consume({ producerId: producer.id, rtpCapabilities: rig.router.rtpCapabilities, paused: true, preferredLayers });
      setUp(consumer);
      await sleep(300);
      await consumer.resume();
      await sleep(400);
      topLayerSending = false;
      await sleep(3000);
      const before = received;
      await sleep(1000);
      return { packetsInLastSecond: received - before, layers: consumer.currentLayers };
    } finally {
      clearInterval(timer);
      sendTransport.close();
      recvTransport.close();
    }
  }

  it('keeps forwarding the lowest layer when the consumer started on it', async () => {
    const { packetsInLastSecond, layers } = await topLayerStopsEarly(upgradeWhenForwarding, FIRST_SIMULCAST_LAYERS);
    expect(layers?.spatialLayer).toBe(0);
    expect(packetsInLastSecond).toBeGreaterThan(20);
  });

  it('keeps forwarding the lowest layer when the top layer arrived first and the consumer waited for the lowest', async () => {
    const camera = { lowestLayerLateMs: 800, beforeConsume: (producer: types.Producer) => noLayerAheadOfLowest(producer) };
    const { packetsInLastSecond, layers } = await topLayerStopsEarly(upgradeWhenForwarding, FIRST_SIMULCAST_LAYERS, camera);
    expect(layers?.spatialLayer).toBe(0);
    expect(packetsInLastSecond).toBeGreaterThan(20);
  });

  it('keeps forwarding the lowest layer when the consumer was created before any layer arrived and the lowest came first', async () => {
    // What the page does: the top layer opens once the lowest has sent a frame, and the server creates
    // the consumer as soon as the producer exists.
    const camera = { topLayerLateMs: 250, consumeAfterMs: 0, beforeConsume: (producer: types.Producer) => noLayerAheadOfLowest(producer) };
    const { packetsInLastSecond, layers } = await topLayerStopsEarly(upgradeWhenForwarding, FIRST_SIMULCAST_LAYERS, camera);
    expect(layers?.spatialLayer).toBe(0);
    expect(packetsInLastSecond).toBeGreaterThan(20);
  });

  it('(why it waits) freezes when the top layer arrived first and the consumer did not wait', async () => {
    const { packetsInLastSecond } = await topLayerStopsEarly(upgradeWhenForwarding, FIRST_SIMULCAST_LAYERS, { lowestLayerLateMs: 800 });
    expect(packetsInLastSecond).toBe(0);
  });

  it('(the mediasoup 3.12 defect it works around) freezes when the consumer started on the top layer', async () => {
    // If this fails, the worker no longer has versatica/mediasoup#492 and upgradeWhenForwarding can go.
    const { packetsInLastSecond, layers } = await topLayerStopsEarly(() => {});
    expect(layers ?? null).toBeNull();
    expect(packetsInLastSecond).toBe(0);
  });
});
