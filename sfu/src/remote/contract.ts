import type { types } from 'mediasoup';
import { z } from 'zod';
import type { ConsumerInfo, SfuErrorCode, TransportOptions } from '../Participant.ts';
import type { ProbeTransportOptions } from '../ProbeTransport.ts';
import type { RoomCloseReason, StreamQualitySample } from '../Room.ts';
import type { WorkerStats } from '../SfuNode.ts';

/**
 * The wire between a signaling node (the controller) and an SFU node that runs as a process of its
 * own: socket.io over WebSocket, each command an event acknowledged with its reply. The SFU node
 * validates every command with these schemas; the controller is authenticated by a JWT signed with
 * the shared SFU_SECRET (audience SFU_AUDIENCE) before it may send any.
 */

export const SFU_AUDIENCE = 'madoguchi-sfu';
/** socket.io path of an SFU node's control channel. */
export const SFU_CONTROL_PATH = '/sfu-control';

const Id = z.string().min(1).max(200);
/** mediasoup's own structures (capabilities, RTP and DTLS parameters): mediasoup validates their content. */
const mediasoupObject = <T>() => z.custom<T>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'an object');
const Roles = z.array(z.string().max(40)).max(20).nullable();

const RoomRef = z.object({ roomId: Id });
const ParticipantRef = RoomRef.extend({ participantId: Id, joinId: Id });

/** Each command's request. */
export const SFU_COMMANDS = {
  'room.create': RoomRef,
  'room.close': RoomRef,
  'room.hold': RoomRef,
  'room.release': RoomRef,
  'room.join': ParticipantRef.extend({ role: z.string().min(1).max(40), audience: Roles, receives: Roles }),
  'room.setAudience': RoomRef.extend({ participantId: Id, audience: Roles }),
  'room.setReceives': RoomRef.extend({ participantId: Id, receives: Roles }),
  'room.sampleQuality': RoomRef,
  'room.requestKeyFrames': RoomRef,
  'participant.createTransport': ParticipantRef.extend({ direction: z.enum(['send', 'recv']) }),
  'participant.restartIce': ParticipantRef.extend({ transportId: Id }),
  'participant.connectTransport': ParticipantRef.extend({ transportId: Id, dtlsParameters: mediasoupObject<types.DtlsParameters>() }),
  'participant.setReady': ParticipantRef.extend({ rtpCapabilities: mediasoupObject<types.RtpCapabilities>() }),
  'participant.produce': ParticipantRef.extend({
    transportId: Id,
    kind: z.enum(['audio', 'video']),
    rtpParameters: mediasoupObject<types.RtpParameters>(),
    source: z.string().min(1).max(40),
  }),
  'participant.closeProducer': ParticipantRef.extend({ producerId: Id }),
  'participant.closeProducers': ParticipantRef,
  'participant.setProducerPaused': ParticipantRef.extend({ producerId: Id, paused: z.boolean() }),
  'participant.resumeConsumer': ParticipantRef.extend({ consumerId: Id }),
  'participant.requestKeyFrames': ParticipantRef,
  'participant.close': ParticipantRef,
  'probe.create': z.object({}),
  'probe.connect': z.object({ probeId: Id, dtlsParameters: mediasoupObject<types.DtlsParameters>() }),
  'probe.produceData': z.object({ probeId: Id, sctpStreamParameters: mediasoupObject<types.SctpStreamParameters>(), label: z.string().max(100) }),
  'probe.close': z.object({ probeId: Id }),
  'node.stats': z.object({}),
} as const;

export type SfuCommand = keyof typeof SFU_COMMANDS;
export type SfuRequest<C extends SfuCommand> = z.infer<(typeof SFU_COMMANDS)[C]>;

/** Each command's reply (the SFU node's own; the controller trusts the node it authenticated). */
export interface SfuReplies {
  'room.create': { rtpCapabilities: types.RtpCapabilities };
  'room.close': void;
  'room.hold': void;
  'room.release': void;
  'room.join': void;
  'room.setAudience': void;
  'room.setReceives': void;
  'room.sampleQuality': StreamQualitySample[];
  'room.requestKeyFrames': void;
  'participant.createTransport': TransportOptions;
  'participant.restartIce': types.IceParameters;
  'participant.connectTransport': void;
  'participant.setReady': void;
  'participant.produce': { producerId: string };
  'participant.closeProducer': void;
  'participant.closeProducers': void;
  'participant.setProducerPaused': void;
  'participant.resumeConsumer': void;
  'participant.requestKeyFrames': void;
  'participant.close': void;
  'probe.create': { options: ProbeTransportOptions; routerRtpCapabilities: types.RtpCapabilities };
  'probe.connect': void;
  'probe.produceData': { dataProducerId: string };
  'probe.close': void;
  'node.stats': WorkerStats[];
}

export type SfuReply<C extends SfuCommand> = { ok: true; value: SfuReplies[C] } | { ok: false; code: SfuErrorCode | 'INTERNAL'; message: string };

type ParticipantEventRef = { roomId: string; participantId: string; joinId: string };

/** What an SFU node tells its controller without being asked. */
export interface SfuNodeEvents {
  'participant.newConsumer': [ParticipantEventRef & { consumer: ConsumerInfo }];
  'participant.consumerClosed': [ParticipantEventRef & { consumerId: string }];
  'participant.consumerStarved': [ParticipantEventRef & { consumerId: string; starved: boolean; estimateBps: number | null }];
  /** A room closed by the node itself (a worker died, the node shuts down). */
  'room.closed': [{ roomId: string; reason: RoomCloseReason }];
  /** A worker died: these rooms of this controller are gone, to be rebuilt. */
  'rooms.lost': [{ workerPid: number; roomIds: string[] }];
  'probe.closed': [{ probeId: string }];
}

/** An SFU node's entry in the registry (Redis), refreshed while it runs. */
export interface SfuNodeEntry {
  id: string;
  /** Where controllers reach its control channel (http(s)://host:port). */
  url: string;
  workers: { expected: number; running: number };
  rooms: number;
  /** Takes no new rooms; finishes those it has. */
  draining: boolean;
}
