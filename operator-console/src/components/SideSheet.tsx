import type { ReactNode } from 'react';
import { useI18n } from '../i18n/index.ts';

/**
 * A tool shown in the call's side column in place of chat and transfer, with a way back. Kept
 * mounted while closed, so what the operator typed or sent is still there when it opens again.
 */
export function SideSheet({ id, open, onClose, children }: { id: string; open: boolean; onClose(): void; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="side-sheet" id={id} hidden={!open}>
      <button type="button" className="button side-sheet-close" data-testid="side-sheet-close" onClick={onClose}>
        {t.call.backToChat}
      </button>
      {children}
    </div>
  );
}
