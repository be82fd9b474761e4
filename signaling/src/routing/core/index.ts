/** The routing core: pure (no sockets, no database), clock-injected, state behind a `RoutingStore`. */
export { RoutingCore } from './RoutingCore.ts';
export type {
  AcceptResult,
  AddOperatorInput,
  DepartmentOutlook,
  DepartmentQueue,
  QueueStatus,
  Refusal,
  RequestInput,
  RequestResult,
  RoutingCoreOptions,
} from './RoutingCore.ts';
export { RoutingError, type RoutingErrorCode } from './errors.ts';
export type {
  OfferWithdrawnReason,
  QueuePosition,
  RoutingEvent,
  RoutingEventMap,
  RoutingEventName,
  RoutingEventOf,
  RoutingEvents,
  RoutingListener,
} from './events.ts';
export {
  ALWAYS_OPEN,
  CORE_DEFAULTS,
  ROUTING_DEFAULTS,
  WEEKDAYS,
  resolveDepartmentConfig,
  type AnnualClosure,
  type DepartmentRoutingConfig,
  type DepartmentRoutingConfigInput,
  type DepartmentRoutingSettings,
  type OpeningInterval,
  type OverflowRule,
  type Weekday,
  type WeeklyHours,
} from './config.ts';
export { BusinessCalendar, TOKYO_OFFSET_MS, tokyoInstant, tokyoTime, type TokyoTime } from './calendar.ts';
export { JAPANESE_PUBLIC_HOLIDAYS } from './holidays.ts';
export type { RoutingStore } from './RoutingStore.ts';
export { InMemoryRoutingStore } from './InMemoryRoutingStore.ts';
export { SortedList } from './SortedList.ts';
export {
  compareEntries,
  compareOperators,
  type AwayReason,
  type EntryKind,
  type EntryPhase,
  type OfferTier,
  type OperatorRecord,
  type QueueEntry,
  type QueueIndex,
  type QueuePool,
  type RefusalReason,
  type RoutingOutcome,
  type SkillLevel,
} from './records.ts';
