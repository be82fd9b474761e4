import type { AnnotatedSource, Mark } from '@madoguchi/protocol';
import type { CallMarks, Pen } from '@madoguchi/protocol/client';
import { useState } from 'react';
import { useI18n } from '../i18n.ts';

/**
 * The resident's finger on a picture of the call (the operator's share, a sent page): one freehand
 * pen — a tap is a dot, a stroke a line — in a colour of its own, so the console tells it apart.
 */
export function useFingerPen(board: CallMarks | null, source: AnnotatedSource): { marking: boolean; toggle(): void; pen: Pen | null } {
  const [marking, setMarking] = useState(false);
  const pen: Pen | null = marking && board ? { kind: 'freehand', colour: 'orange', onMark: (mark) => void board.add(source, mark).catch(() => undefined) } : null;
  return { marking, toggle: () => setMarking((on) => !on), pen };
}

interface FingerMarkToolsProps {
  board: CallMarks | null;
  source: AnnotatedSource;
  /** The marks on this picture. */
  marks: readonly Mark[];
  marking: boolean;
  onToggle(): void;
}

/** ゆびで しるしを つける and, while marking, ひとつ けす / ぜんぶ けす: large buttons for a finger. */
export function FingerMarkTools({ board, source, marks, marking, onToggle }: FingerMarkToolsProps) {
  const { t } = useI18n();
  return (
    <>
      {marking ? (
        <>
          <button type="button" className="button button--large button--secondary" data-testid="mark-undo" disabled={!marks.some((mark) => mark.by === 'resident')} onClick={() => void board?.undo(source).catch(() => undefined)}>
            {t.markUndo}
          </button>
          <button type="button" className="button button--large button--secondary" data-testid="mark-clear" disabled={marks.length === 0} onClick={() => void board?.clear(source).catch(() => undefined)}>
            {t.markClear}
          </button>
        </>
      ) : null}
      <button type="button" className={`button button--large ${marking ? 'button--warning' : 'button--secondary'}`} data-testid="mark-pen" aria-pressed={marking} disabled={!board} onClick={onToggle}>
        {marking ? t.markPenOff : t.markPen}
      </button>
    </>
  );
}
