import type { SatisfactionScore } from '@madoguchi/protocol';
import { useState } from 'react';
import { TopBar } from '../components/TopBar.tsx';
import { useI18n } from '../i18n.ts';

interface RatingScreenProps {
  siteName: string;
  endedBy: 'resident' | 'operator' | 'system';
  score: SatisfactionScore | null;
  stage: 'choose' | 'sending' | 'thanks';
  onChoose(score: SatisfactionScore): void;
  onSend(comment: string): void;
  onSkip(): void;
}

const SCORES: readonly SatisfactionScore[] = [1, 2, 3, 4, 5];

/** A face whose mouth turns from a frown (1) to a broad smile (5); drawn, so it needs no emoji font. */
function Face({ score }: { score: SatisfactionScore }) {
  const curve = (score - 3) * 7; // control point offset of the mouth: negative frowns
  return (
    <svg viewBox="0 0 64 64" className="face" aria-hidden="true">
      <circle cx="32" cy="32" r="29" className="face__head" />
      <circle cx="22" cy="26" r="4" className="face__eye" />
      <circle cx="42" cy="26" r="4" className="face__eye" />
      <path d={`M18 ${44 - curve / 3} Q32 ${44 + curve} 46 ${44 - curve / 3}`} className="face__mouth" />
    </svg>
  );
}

/** ご満足いただけましたか？ Five large faces with words, an optional comment, then thanks. */
export function RatingScreen({ siteName, endedBy, score, stage, onChoose, onSend, onSkip }: RatingScreenProps) {
  const { t } = useI18n();
  const [comment, setComment] = useState('');

  if (stage === 'thanks') {
    return (
      <div className="screen" data-testid="thanks-screen">
        <TopBar siteName={siteName} />
        <main className="screen__body screen__body--center rating">
          <h1 className="rating__title">{t.thanksTitle}</h1>
          <p className="rating__intro">{t.thanksBody}</p>
        </main>
      </div>
    );
  }

  const sending = stage === 'sending';
  return (
    <div className="screen" data-testid="rating-screen">
      <TopBar siteName={siteName} />
      <main className="screen__body screen__body--center rating">
        <p className="rating__ended">{endedBy === 'operator' ? t.noticeEndedByOperator : t.noticeCallEnded}</p>
        <h1 className="rating__title">{t.ratingTitle}</h1>
        <p className="rating__intro">{t.ratingIntro}</p>
        <div className="rating__faces" role="group" aria-label={t.ratingTitle}>
          {SCORES.map((value) => (
            <button
              key={value}
              type="button"
              className={`rating__face rating__face--${value}`}
              data-testid={`rating-${value}`}
              aria-pressed={score === value}
              disabled={sending}
              onClick={() => onChoose(value)}
            >
              <Face score={value} />
              <span className="rating__label">{t.ratingFaces[value - 1]}</span>
            </button>
          ))}
        </div>
        {score !== null && (
          <form
            className="rating__comment"
            onSubmit={(event) => {
              event.preventDefault();
              onSend(comment);
            }}
          >
            <label className="rating__comment-label">
              {t.ratingComment}
              <textarea
                className="rating__textarea"
                data-testid="rating-comment"
                value={comment}
                maxLength={500}
                rows={2}
                onChange={(event) => setComment(event.target.value)}
                disabled={sending}
              />
            </label>
            <button type="submit" className="button button--primary button--large" data-testid="rating-send" disabled={sending}>
              {sending ? t.ratingSending : t.ratingSend}
            </button>
          </form>
        )}
        {score === null && (
          <button type="button" className="button button--secondary" data-testid="rating-skip" onClick={onSkip}>
            {t.ratingSkip}
          </button>
        )}
      </main>
    </div>
  );
}
