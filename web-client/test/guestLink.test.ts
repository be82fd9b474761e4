import { describe, expect, it } from 'vitest';
import { forgetGuestLink, keepClaim, readGuestLink, tokenFromHash, type GuestLinkStore } from '../src/guest/guestLink.ts';
import { initialGuestLanguage } from '../src/guest/guestI18n.ts';

function memoryStore(): GuestLinkStore & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

describe('a guest link', () => {
  it('carries its token in the fragment only', () => {
    expect(tokenFromHash('#t=abc.def.ghi')).toBe('abc.def.ghi');
    expect(tokenFromHash('t=abc')).toBe('abc');
    expect(tokenFromHash('#x=1')).toBeNull();
    expect(tokenFromHash('#t=')).toBeNull();
    expect(tokenFromHash('')).toBeNull();
  });

  it('is kept by the tab with its claim across reloads; a new link replaces the old one and its claim', () => {
    const store = memoryStore();
    expect(readGuestLink('', store)).toBeNull();
    expect(readGuestLink('#t=first', store)).toEqual({ token: 'first', claim: null });
    keepClaim(store, 'claim-1');
    // A reload (the fragment was taken out of the address bar): the same link and claim.
    expect(readGuestLink('', store)).toEqual({ token: 'first', claim: 'claim-1' });
    // The same link opened again keeps the claim; another link starts afresh.
    expect(readGuestLink('#t=first', store)).toEqual({ token: 'first', claim: 'claim-1' });
    expect(readGuestLink('#t=second', store)).toEqual({ token: 'second', claim: null });
    forgetGuestLink(store);
    expect(store.items.size).toBe(0);
  });

  it('speaks the browser’s language when the page has it, Japanese otherwise', () => {
    expect(initialGuestLanguage(null, ['en-GB', 'ja'])).toBe('en');
    expect(initialGuestLanguage(null, ['pt-BR'])).toBe('ja');
    expect(initialGuestLanguage('en', ['ja'])).toBe('en');
    expect(initialGuestLanguage('xx', [])).toBe('ja');
  });
});
