import { useEffect, useRef } from 'react';

/** Keyboard shortcuts of the console; shown on the buttons with aria-keyshortcuts. */
export const SHORTCUTS = {
  accept: 'Alt+A',
  mute: 'Alt+M',
  end: 'Alt+E',
  stopSharing: 'Alt+S',
  capture: 'Alt+C',
} as const;

type ShortcutName = keyof typeof SHORTCUTS;
export type ShortcutHandlers = Partial<Record<ShortcutName, () => void>>;

/** `Alt+A` → the KeyboardEvent code it means (layout independent, so it works with a Japanese keyboard). */
const CODES = Object.fromEntries(
  Object.entries(SHORTCUTS).map(([name, keys]) => [`Key${keys.slice(-1)}`, name as ShortcutName]),
) as Record<string, ShortcutName>;

/**
 * Alt-letter shortcuts for the actions an operator repeats all day. Only the handlers passed
 * are active (answer while ringing, mute/end during a call). Ignored while an IME is composing.
 */
export function useShortcuts(handlers: ShortcutHandlers): void {
  const current = useRef(handlers);
  current.current = handlers;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
      const name = CODES[event.code];
      const handler = name ? current.current[name] : undefined;
      if (!handler) return;
      event.preventDefault();
      handler();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
