import { createSocket, type Socket } from 'node:dgram';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { afterAll, beforeAll } from 'vitest';

/**
 * One RTP packet carrying a whole VP8 key frame (payload descriptor with picture id, then a key frame
 * header), `size` bytes long (the rest zeros: a stream of a given bitrate).
 */
export function vp8KeyFrame(ssrc: number, sequence: number, timestamp: number, pictureId: number, size = 12 + 6 + 10): Buffer {
  const packet = Buffer.alloc(size);
  packet[0] = 0x80; // RTP version 2
  packet[1] = 0x80 | 96; // marker, payload type 96
  packet.writeUInt16BE(sequence & 0xffff, 2);
  packet.writeUInt32BE(timestamp >>> 0, 4);
  packet.writeUInt32BE(ssrc, 8);
  // X=1 S=1 PID=0 | I=1 L=1 T=1 | 15-bit picture id | TL0PICIDX | TID 0
  packet.set([0x90, 0xe0, 0x80 | ((pictureId >> 8) & 0x7f), pictureId & 0xff, pictureId & 0xff, 0x00], 12);
  packet[18] = 0x10; // VP8 frame header, P bit 0: a key frame
  return packet;
}

/**
 * A real mediasoup worker with a VP8 router for the file's tests, and UDP sockets on 127.0.0.1 to
 * send RTP into plain transports and count what comes out; all closed after the tests.
 */
export function useVp8Router(): { readonly router: types.Router; udpSocket(): Promise<Socket> } {
  let worker: types.Worker | undefined;
  let router: types.Router | undefined;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    worker = await mediasoup.createWorker({ logLevel: 'error' });
    router = await worker.createRouter({ mediaCodecs: [{ kind: 'video', mimeType: 'video/VP8', clockRate: 90000 }] });
  });
  afterAll(() => {
    for (const socket of sockets) socket.close();
    worker?.close();
  });
  return {
    get router() {
      return router!;
    },
    async udpSocket() {
      const socket = createSocket('udp4');
      sockets.push(socket);
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      return socket;
    },
  };
}
