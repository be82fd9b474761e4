import type { Offer } from '../consoleState.ts';
import { useI18n } from '../i18n/index.ts';
import { SHORTCUTS } from '../useShortcuts.ts';
import { useNow } from '../useNow.ts';

interface OfferAlertProps {
  offer: Offer;
  accepting: boolean;
  onAccept(): void;
  onDecline(): void;
}

/** A ringing consultation: where the resident is, which 担当課, how long they have waited. */
export function OfferAlert({ offer, accepting, onAccept, onDecline }: OfferAlertProps) {
  const { t } = useI18n();
  const now = useNow(1000);
  // Server times, shifted to this console's clock by when the offer arrived: skew does not show.
  const sinceOffer = Math.max(0, now - offer.receivedAt);
  const waited = Date.parse(offer.offeredAt) - Date.parse(offer.requestedAt) + sinceOffer;
  const ringsFor = Math.max(0, offer.ringTimeoutSeconds - Math.floor(sinceOffer / 1000));
  const specialist = offer.kind === 'specialist';
  return (
    <section className="offer" role="alertdialog" aria-labelledby={`offer-${offer.consultationId}`} data-testid="incoming-offer">
      <h2 id={`offer-${offer.consultationId}`} className="offer-title">
        <span className="ring-icon" aria-hidden="true">☎</span>
        {specialist ? t.offer.specialistTitle : t.offer.title}
      </h2>
      {specialist && offer.invitedBy ? <p className="offer-note">{t.offer.invitedBy(offer.invitedBy)}</p> : null}
      {offer.transferred ? (
        <p className="offer-note offer-transferred" data-testid="offer-transferred">
          {t.offer.transferred}
        </p>
      ) : null}
      <dl className="offer-facts">
        <div>
          <dt>{t.offer.site}</dt>
          <dd data-testid="offer-site">{offer.site.name}</dd>
        </div>
        <div>
          <dt>{t.offer.department}</dt>
          <dd data-testid="offer-department">{offer.department.name}</dd>
        </div>
        <div>
          <dt>{t.offer.waited}</dt>
          <dd data-testid="offer-wait">{t.format.duration(waited)}</dd>
        </div>
      </dl>
      <p className="offer-countdown" aria-live="off">
        {t.offer.ringsFor(ringsFor)}
      </p>
      <div className="offer-actions">
        <button
          type="button"
          className="button button-accept button-large"
          data-testid="accept-offer"
          aria-keyshortcuts={SHORTCUTS.accept}
          title={SHORTCUTS.accept}
          onClick={onAccept}
          disabled={accepting}
          autoFocus
        >
          {accepting ? t.offer.accepting : t.offer.accept}
        </button>
        <button
          type="button"
          className="button button-decline button-large"
          data-testid="decline-offer"
          onClick={onDecline}
          disabled={accepting}
        >
          {t.offer.decline}
        </button>
      </div>
    </section>
  );
}
