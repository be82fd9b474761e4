export { ProtocolClient, type ProtocolSocket } from './ProtocolClient.ts';
export { CallSession, type CallSessionListeners, type PublishOptions, type RemoteTrack } from './CallSession.ts';
