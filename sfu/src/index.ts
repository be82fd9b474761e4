export { SfuNode, type SfuOptions, type WorkerStats } from './SfuNode.ts';
export type { Emitter, MediaLoss, MediaNode, MediaNodeEvents, MediaParticipant, MediaParticipantEvents, MediaProbe, MediaRoom } from './media.ts';
export { Room, type RoomCloseReason, type StreamQualitySample } from './Room.ts';
export {
  Participant,
  PARTICIPANT_LIMITS,
  SfuError,
  type ConsumerInfo,
  type Direction,
  type ProduceRequest,
  type ReceiveFilter,
  type SfuErrorCode,
  type TransportOptions,
} from './Participant.ts';
export { ProbeTransport, type ProbeTransportOptions } from './ProbeTransport.ts';
export { MEDIA_CODECS } from './codecs.ts';
export type { types as mediasoupTypes } from 'mediasoup';
