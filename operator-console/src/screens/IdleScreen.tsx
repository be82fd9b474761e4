import type { AwayReason, DepartmentQueueSummary, Presence, SelectablePresence } from '@madoguchi/protocol';
import type { ReactNode } from 'react';
import type { Offer } from '../consoleState.ts';
import { useI18n, type Messages } from '../i18n/index.ts';
import { QueuePanel } from '../routing/QueuePanel.tsx';
import { OfferAlert } from './OfferAlert.tsx';

export interface PresenceControl {
  presence: Presence;
  awayReason: AwayReason | null;
  pending: SelectablePresence | null;
  enabled: boolean;
  onChange(presence: SelectablePresence): void;
}

export interface OfferControl {
  offers: Offer[];
  accepting: string | null;
  onAccept(consultationId: string): void;
  onDecline(consultationId: string): void;
}

interface IdleScreenProps {
  presence: PresenceControl;
  offers: OfferControl;
  queues: DepartmentQueueSummary[];
  /** The note on the call just finished, while it is pending. */
  notes: ReactNode;
  /** The callback list. */
  callbacks: ReactNode;
  /** Today's bookings of the operator's departments. */
  reservations: ReactNode;
}

const SELECTABLE: SelectablePresence[] = ['available', 'away'];

function presenceHint(t: Messages, { presence, awayReason }: PresenceControl): string {
  if (presence === 'available') return t.presence.hint.available;
  if (presence === 'wrap_up') return t.presence.hint.wrapUp;
  if (presence === 'away') return awayReason === 'missed_offers' ? t.presence.hint.missedOffers : t.presence.hint.away;
  return t.presence.hint.other;
}

export function IdleScreen({ presence, offers, queues, notes, callbacks, reservations }: IdleScreenProps) {
  const { t } = useI18n();
  return (
    <main className="idle-screen">
      <h1 className="visually-hidden">{t.consoleName}</h1>
      <section className="presence-panel" aria-labelledby="presence-heading">
        <h2 id="presence-heading">{t.presence.heading}</h2>
        <p className={`presence-state presence-${presence.presence}`}>
          <span className="dot" aria-hidden="true" />
          <span data-testid="presence-state">{t.presence.label[presence.presence]}</span>
        </p>
        <div className="presence-toggle" role="group" aria-label={t.presence.heading} aria-busy={presence.pending !== null}>
          {SELECTABLE.map((value) => (
            <button
              key={value}
              type="button"
              className={`button button-large presence-button presence-button-${value}`}
              data-testid={`presence-${value}`}
              aria-pressed={presence.presence === value}
              disabled={!presence.enabled}
              onClick={() => {
                // 受付可 during 後処理 ends it early.
                if (presence.presence !== value) presence.onChange(value);
              }}
            >
              {t.presence.set[value]}
            </button>
          ))}
        </div>
        <p className="presence-hint" data-testid="presence-hint">
          {presenceHint(t, presence)}
        </p>
      </section>
      {offers.offers.length > 0 ? (
        <div className="offers">
          {offers.offers.map((offer) => (
            <OfferAlert
              key={offer.consultationId}
              offer={offer}
              accepting={offers.accepting === offer.consultationId}
              onAccept={() => offers.onAccept(offer.consultationId)}
              onDecline={() => offers.onDecline(offer.consultationId)}
            />
          ))}
        </div>
      ) : null}
      {notes}
      <QueuePanel queues={queues} />
      {reservations}
      {callbacks}
    </main>
  );
}
