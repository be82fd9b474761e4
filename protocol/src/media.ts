import { z } from 'zod';

/**
 * Structural checks for mediasoup's parameter objects. They bound sizes and shapes at the
 * boundary; mediasoup itself validates the semantics and its errors become MEDIA_ERROR acks.
 */
const shortString = z.string().max(256);
const smallInt = z.number().int().min(0).max(2 ** 32);

export const DtlsParameters = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(z.object({ algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']), value: shortString }))
    .min(1)
    .max(8),
});
export type DtlsParameters = z.infer<typeof DtlsParameters>;

const codecParameters = z.record(z.string().max(64), z.union([z.string().max(256), z.number()]));
const rtcpFeedback = z.array(z.object({ type: z.string().max(32), parameter: z.string().max(32).optional() })).max(16);

export const RtpCodecParameters = z.looseObject({
  mimeType: z.string().regex(/^(audio|video)\/[\w.-]+$/).max(64),
  payloadType: z.number().int().min(0).max(127),
  clockRate: smallInt,
  channels: z.number().int().min(1).max(8).optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: rtcpFeedback.optional(),
});

export const RtpEncodingParameters = z.looseObject({
  ssrc: smallInt.optional(),
  rid: z.string().max(32).optional(),
  codecPayloadType: z.number().int().min(0).max(127).optional(),
  rtx: z.object({ ssrc: smallInt }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: z.string().max(16).optional(),
  maxBitrate: smallInt.optional(),
  scaleResolutionDownBy: z.number().min(1).max(64).optional(),
});

export const RtpParameters = z.looseObject({
  mid: z.string().max(32).optional(),
  codecs: z.array(RtpCodecParameters).min(1).max(16),
  headerExtensions: z
    .array(z.looseObject({ uri: z.string().max(256), id: z.number().int().min(1).max(255) }))
    .max(32)
    .optional(),
  encodings: z.array(RtpEncodingParameters).max(8).optional(),
  rtcp: z.looseObject({ cname: z.string().max(256).optional() }).optional(),
});
export type RtpParameters = z.infer<typeof RtpParameters>;

export const RtpCapabilities = z.looseObject({
  codecs: z.array(z.looseObject({ kind: z.enum(['audio', 'video']), mimeType: z.string().max(64) })).max(64).optional(),
  headerExtensions: z.array(z.looseObject({ uri: z.string().max(256) })).max(64).optional(),
});
export type RtpCapabilities = z.infer<typeof RtpCapabilities>;

export const IceParameters = z.looseObject({
  usernameFragment: shortString,
  password: shortString,
  iceLite: z.boolean().optional(),
});
export type IceParameters = z.infer<typeof IceParameters>;

/** A TURN server as RTCPeerConnection takes it, with a short-lived credential of the client's own. */
export const IceServer = z.object({
  urls: z.array(z.string().max(300)).max(8),
  username: z.string().max(300).optional(),
  credential: z.string().max(300).optional(),
});
export type IceServer = z.infer<typeof IceServer>;

/** What the server sends the browser to create its side of a WebRTC transport. */
export const TransportOptions = z.object({
  id: z.string(),
  iceParameters: IceParameters,
  iceCandidates: z.array(z.looseObject({})),
  dtlsParameters: z.looseObject({}),
  /** TURN, for networks that let no UDP out or only TLS on one port. */
  iceServers: z.array(IceServer).optional(),
  /** `relay`: all media through TURN (a setting of the server's, for networks that must see it on one port). */
  iceTransportPolicy: z.enum(['all', 'relay']).optional(),
});
export type TransportOptions = z.infer<typeof TransportOptions>;

/**
 * The network path a browser's media takes to the server: the ICE candidate pair in use, as the
 * browser sees it. `relay` goes through TURN, and `relayProtocol` says how the browser reaches it
 * (tls: the network lets out only TLS); otherwise `protocol` is the path straight to the SFU.
 */
export const MediaPath = z.object({
  localType: z.enum(['host', 'srflx', 'prflx', 'relay']),
  protocol: z.enum(['udp', 'tcp']),
  relayProtocol: z.enum(['udp', 'tcp', 'tls']).optional(),
  rttMs: z.number().int().min(0).max(60_000).optional(),
});
export type MediaPath = z.infer<typeof MediaPath>;

/** Two paths are the same route (their round trips may differ). */
export const samePath = (a: MediaPath | null | undefined, b: MediaPath | null | undefined): boolean =>
  a?.localType === b?.localType && a?.protocol === b?.protocol && a?.relayProtocol === b?.relayProtocol;

/** The SFU's side of SCTP, for a transport that carries a data channel (the network check's probe). */
export const SctpParameters = z.looseObject({
  port: z.number().int().min(0).max(65535),
  OS: z.number().int().min(1).max(65535),
  MIS: z.number().int().min(1).max(65535),
  maxMessageSize: z.number().int().min(1),
});

/** A browser data channel's SCTP stream, as mediasoup-client describes it. */
export const SctpStreamParameters = z.object({
  streamId: z.number().int().min(0).max(65534),
  ordered: z.boolean().optional(),
  maxPacketLifeTime: z.number().int().min(0).max(65535).optional(),
  maxRetransmits: z.number().int().min(0).max(65535).optional(),
});
export type SctpStreamParameters = z.infer<typeof SctpStreamParameters>;

/** A network check's probe: a transport to the SFU that carries only a data channel (see NetworkProbes on the server). */
export const ProbeOptions = z.object({
  probeId: z.string(),
  routerRtpCapabilities: z.looseObject({}),
  transport: TransportOptions.extend({ sctpParameters: SctpParameters }),
});
export type ProbeOptions = z.infer<typeof ProbeOptions>;
