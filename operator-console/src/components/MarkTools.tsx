import { MarkColour, type MarkKind } from '@madoguchi/protocol';
import { MARK_COLOURS } from '@madoguchi/protocol/client';
import { useI18n } from '../i18n/index.ts';

const KINDS: readonly MarkKind[] = ['dot', 'circle', 'arrow', 'freehand'];

interface MarkToolsProps {
  /** null: the mouse moves the picture (zoom and pan) instead of drawing. */
  kind: MarkKind | null;
  colour: MarkColour;
  onKind(kind: MarkKind | null): void;
  onColour(colour: MarkColour): void;
  canUndo: boolean;
  canClear: boolean;
  onUndo(): void;
  onClear(): void;
}

/** The operator's drawing tools for the resident's document: what to draw, in which colour, undo and clear. */
export function MarkTools({ kind, colour, onKind, onColour, canUndo, canClear, onUndo, onClear }: MarkToolsProps) {
  const { t } = useI18n();
  const texts = t.marks;
  return (
    <div className="mark-tools" role="toolbar" aria-label={texts.tools} data-testid="mark-tools">
      <div className="mark-tool-group" role="group" aria-label={texts.tools}>
        {([null, ...KINDS] as const).map((each) => (
          <button
            key={each ?? 'move'}
            type="button"
            className="button button-small"
            aria-pressed={kind === each}
            data-testid={`mark-tool-${each ?? 'move'}`}
            onClick={() => onKind(each)}
          >
            {texts.tool[each ?? 'move']}
          </button>
        ))}
      </div>
      <div className="mark-tool-group" role="group" aria-label={texts.colour}>
        {MarkColour.options.map((each) => (
          <button
            key={each}
            type="button"
            className="mark-colour"
            style={{ background: MARK_COLOURS[each] }}
            aria-pressed={colour === each}
            aria-label={texts.colours[each]}
            title={texts.colours[each]}
            data-testid={`mark-colour-${each}`}
            onClick={() => onColour(each)}
          />
        ))}
      </div>
      <button type="button" className="button button-small" data-testid="mark-undo" disabled={!canUndo} onClick={onUndo}>
        {texts.undo}
      </button>
      <button type="button" className="button button-small" data-testid="mark-clear" disabled={!canClear} onClick={onClear}>
        {texts.clear}
      </button>
    </div>
  );
}
