export { ProtocolClient, type ProtocolSocket } from './ProtocolClient.ts';
export {
  canSendDraft,
  chatDraftReducer,
  EMPTY_CHAT_DRAFT,
  sendChatDraft,
  withChatMessage,
  type ChatDraft,
  type ChatDraftAction,
  type ChatMessage,
} from './chat.ts';
export {
  bookingDraftReady,
  bookingRequestOf,
  emptyBookingDraft,
  nextBookingDraft,
  NO_BOOKING_OPTIONS,
  withBookingOptions,
  type BookingDraft,
} from './bookingDraft.ts';
export {
  CallSession,
  downscaleToFit,
  LIVE_DOCUMENT_SIZE,
  type CallSessionListeners,
  type PictureSize,
  type PublishOptions,
  type RemoteTrack,
  type SentVideoStats,
} from './CallSession.ts';
export {
  backoffDelay,
  CallConnection,
  DEFAULT_RECOVERY_TIMINGS,
  type CallConnectionListeners,
  type CallConnectionState,
  type RecoveryTimings,
} from './CallConnection.ts';
export { clampView, containedSize, WHOLE_PICTURE, zoomAround, type PictureView, type Size, type ZoomLimits } from './pictureView.ts';
export { CallMarks } from './CallMarks.ts';
export { MarkLayer, type MarkLayerState, type Pen } from './MarkLayer.ts';
export {
  MARK_COLOURS,
  markPath,
  pictureTransform,
  toBox,
  toFrame,
  turnedSize,
  type BoxPoint,
  type MarkPath,
  type MarkSizes,
  type PicturePlacement,
} from './markGeometry.ts';
export { runNetworkCheck } from './networkCheck.ts';
export {
  describeNetworkCheck,
  judgeNetworkCheck,
  type NetworkCheckLanguage,
  type NetworkCheckResult,
  type NetworkPath,
  type NetworkReport,
  type NetworkVerdict,
  type NetworkVerdictKind,
  type PathResult,
} from './networkVerdict.ts';
