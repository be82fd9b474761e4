/** Why the routing core refused a command. The consultation service maps these to protocol error codes. */
export type RoutingErrorCode =
  | 'closed' // the core has been closed
  | 'invalid_config' // a department's routing configuration does not make sense
  | 'unknown_department'
  | 'unknown_operator'
  | 'unknown_consultation'
  | 'duplicate' // an operator or consultation with this id already exists
  | 'not_offered' // accept/decline of an offer the operator does not hold
  | 'not_in_call' // the operator does not take part in this consultation's call
  | 'operator_busy' // the operator has an offer or a call, so this cannot happen now
  | 'invalid_state' // the consultation is not in a state that allows this command
  | 'target_unavailable'; // transfer / specialist: the target department is closed or unstaffed

export class RoutingError extends Error {
  override readonly name = 'RoutingError';
  readonly code: RoutingErrorCode;
  /** Machine-readable context, e.g. `{ reason: 'outside_hours', nextOpeningAt }` for `target_unavailable`. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: RoutingErrorCode, message: string, details: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}
