import type { Presence, SelectablePresence } from '@madoguchi/protocol';
import type { Offer } from '../consoleState.ts';
import { strings } from '../strings.ts';
import { OfferAlert } from './OfferAlert.tsx';

export interface PresenceControl {
  presence: Presence;
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
}

const SELECTABLE: SelectablePresence[] = ['available', 'away'];

export function IdleScreen({ presence, offers }: IdleScreenProps) {
  return (
    <main className="idle-screen">
      <section className="presence-panel" aria-labelledby="presence-heading">
        <h2 id="presence-heading">{strings.presence.heading}</h2>
        <p className={`presence-state presence-${presence.presence}`}>
          <span className="dot" aria-hidden="true" />
          <span data-testid="presence-state">{strings.presence.label[presence.presence]}</span>
        </p>
        <div className="presence-toggle" role="group" aria-label={strings.presence.heading} aria-busy={presence.pending !== null}>
          {SELECTABLE.map((value) => (
            <button
              key={value}
              type="button"
              className={`button button-large presence-button presence-button-${value}`}
              data-testid={`presence-${value}`}
              aria-pressed={presence.presence === value}
              disabled={!presence.enabled}
              onClick={() => {
                if (presence.presence !== value) presence.onChange(value);
              }}
            >
              {strings.presence.set[value]}
            </button>
          ))}
        </div>
        <p className="presence-hint">
          {presence.presence === 'available'
            ? strings.presence.hint.available
            : presence.presence === 'away'
              ? strings.presence.hint.away
              : strings.presence.hint.other}
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
    </main>
  );
}
