import type { types } from 'mediasoup';

/**
 * RTP parameters shaped like those a browser sends with `produce()`: enough for mediasoup to create
 * real producers and consumers in tests that have no browser (no packets flow).
 */
export function browserLikeRtpParameters(kind: types.MediaKind, ssrc: number): types.RtpParameters {
  const base = { mid: String(ssrc % 100), headerExtensions: [], encodings: [{ ssrc }], rtcp: { cname: 'test' } };
  return kind === 'audio'
    ? {
        ...base,
        codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 }, rtcpFeedback: [] }],
      }
    : {
        ...base,
        codecs: [
          {
            mimeType: 'video/VP8',
            payloadType: 96,
            clockRate: 90000,
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
          },
        ],
      };
}
