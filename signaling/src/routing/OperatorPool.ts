import type { Presence } from '@madoguchi/protocol';

export interface OperatorState {
  staffId: string;
  displayName: string;
  departmentIds: ReadonlySet<string>;
  presence: Presence;
  /** Open socket connections; presence is offline when none. */
  connections: number;
  /** When the operator last became available, for longest-idle selection. */
  idleSince: number;
  /** The consultation offered to or handled by this operator, if any. */
  consultationId?: string;
}

/**
 * Operators known to this process and their presence. An operator holds at most one offer or call.
 * Selection is "longest-idle available operator of the department" — the full routing core
 * (skills, widening, overflow) replaces this in the routing issue.
 */
export class OperatorPool {
  readonly #operators = new Map<string, OperatorState>();

  get(staffId: string): OperatorState | undefined {
    return this.#operators.get(staffId);
  }

  /** Register a connection; the first one brings the operator online as away (離席中). */
  connect(staffId: string, displayName: string, departmentIds: string[], now: number): OperatorState {
    let operator = this.#operators.get(staffId);
    if (!operator) {
      operator = { staffId, displayName, departmentIds: new Set(departmentIds), presence: 'offline', connections: 0, idleSince: now };
      this.#operators.set(staffId, operator);
    }
    operator.connections += 1;
    if (operator.presence === 'offline') operator.presence = 'away';
    return operator;
  }

  /** Drop a connection; returns true when it was the operator's last one. */
  disconnect(staffId: string): boolean {
    const operator = this.#operators.get(staffId);
    if (!operator) return false;
    operator.connections = Math.max(0, operator.connections - 1);
    return operator.connections === 0;
  }

  setPresence(staffId: string, presence: Presence, now: number, consultationId?: string): void {
    const operator = this.#operators.get(staffId);
    if (!operator) return;
    if (presence === 'available' && operator.presence !== 'available') operator.idleSince = now;
    operator.presence = operator.connections === 0 && presence === 'available' ? 'offline' : presence;
    operator.consultationId = consultationId;
  }

  /**
   * The available operator of the department who has waited longest. Operators in `passedOver`
   * (who declined or let it ring out) come last: a resident is never stranded because everyone
   * said no once.
   */
  pick(departmentId: string, passedOver: ReadonlySet<string>): OperatorState | undefined {
    let best: OperatorState | undefined;
    const rank = (operator: OperatorState) => [passedOver.has(operator.staffId) ? 1 : 0, operator.idleSince] as const;
    for (const operator of this.#operators.values()) {
      if (operator.presence !== 'available' || !operator.departmentIds.has(departmentId)) continue;
      if (!best) {
        best = operator;
        continue;
      }
      const [passed, idle] = rank(operator);
      const [bestPassed, bestIdle] = rank(best);
      if (passed < bestPassed || (passed === bestPassed && idle < bestIdle)) best = operator;
    }
    return best;
  }
}
