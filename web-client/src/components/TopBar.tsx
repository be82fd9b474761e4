import type { ReactNode } from 'react';
import { useI18n } from '../i18n.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';

/** The strip at the top of every screen: where this tablet is, and the language switch. */
export function TopBar({ siteName, children }: { siteName?: string | undefined; children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <header className="top-bar">
      <div className="top-bar__title">
        <span className="top-bar__app">{t.appName}</span>
        {siteName && (
          <span className="top-bar__site" data-testid="site-name" lang="ja">
            {siteName}
          </span>
        )}
      </div>
      {children}
      <LanguageSwitch />
    </header>
  );
}
