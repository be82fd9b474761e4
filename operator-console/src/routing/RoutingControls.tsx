import { HandoverNoteText, type DepartmentSummary } from '@madoguchi/protocol';
import { useState } from 'react';
import type { ActiveCall } from '../consoleState.ts';
import { useI18n } from '../i18n/index.ts';

interface RoutingControlsProps {
  call: ActiveCall;
  /** Every department; the call's own is left out of the choice. */
  departments: DepartmentSummary[];
  /** `note`: the 引き継ぎメモ for whoever takes over or joins (may be empty). */
  onTransfer(department: DepartmentSummary, note: string): void;
  onInvite(department: DepartmentSummary, note: string): void;
  onCancelInvite(): void;
  onLeave(): void;
}

/**
 * 回らない窓口: send the resident to another department's queue (転送), or bring its specialist into
 * this call (他の課を呼ぶ) and, once they are here, leave the call to them.
 */
export function RoutingControls({ call, departments, onTransfer, onInvite, onCancelInvite, onLeave }: RoutingControlsProps) {
  const { t } = useI18n();
  const choices = departments.filter((department) => department.id !== call.department.id);
  const [targetId, setTargetId] = useState('');
  const [note, setNote] = useState('');
  const target = choices.find((department) => department.id === targetId) ?? null;
  const threeParty = call.operators.length > 1;

  return (
    <section className="routing-controls" aria-labelledby="routing-heading" data-testid="routing-controls">
      <h3 id="routing-heading">{t.call.routingHeading}</h3>
      {call.inviting ? (
        <div className="routing-pending" role="status">
          <span data-testid="inviting">{t.call.inviting(call.inviting.name)}</span>
          <button type="button" className="button button-small" onClick={onCancelInvite}>
            {t.call.cancelInvite}
          </button>
        </div>
      ) : threeParty ? (
        <button type="button" className="button" data-testid="leave-call" onClick={onLeave}>
          {t.call.leave}
        </button>
      ) : (
        <>
          <label className="routing-target">
            {t.call.targetDepartment}
            <select value={targetId} data-testid="routing-target" onChange={(event) => setTargetId(event.target.value)}>
              <option value="">—</option>
              {choices.map((department) => (
                <option key={department.id} value={department.id}>
                  {department.name}
                </option>
              ))}
            </select>
          </label>
          <label className="routing-note">
            {t.call.handoverNote}
            <textarea
              value={note}
              data-testid="handover-note-input"
              // The protocol's limit: the field stops where the server would refuse.
              maxLength={HandoverNoteText.maxLength ?? undefined}
              rows={2}
              placeholder={t.call.handoverNotePlaceholder}
              onChange={(event) => setNote(event.target.value)}
            />
          </label>
          <div className="routing-actions">
            <button type="button" className="button" data-testid="invite-department" disabled={!target} onClick={() => target && onInvite(target, note)}>
              {t.call.invite}
            </button>
            <button type="button" className="button" data-testid="transfer-call" disabled={!target} onClick={() => target && onTransfer(target, note)}>
              {t.call.transfer}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
