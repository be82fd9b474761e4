/**
 * A guest's link is `/guest/#t=<token>`: the token travels in the fragment, so no request line,
 * log or Referer ever carries it. The page keeps it (and the claim the server gives the browser
 * that opened it first) in sessionStorage — this tab only, gone when it closes — and takes it out
 * of the address bar, so a reload still works and a shared screen does not show it.
 */

/** The token in a link's fragment (`#t=…`), or null. */
export function tokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('t')?.trim();
  return token ? token : null;
}

export interface GuestLinkStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const TOKEN_KEY = 'madoguchi.guest.token';
const CLAIM_KEY = 'madoguchi.guest.claim';

export interface GuestLink {
  token: string;
  /** The server's claim for this browser, once it opened the link. */
  claim: string | null;
}

/**
 * The link this tab is using: a new one from the fragment (which replaces whatever the tab had
 * before, claim and all), or the one it kept.
 */
export function readGuestLink(hash: string, store: GuestLinkStore): GuestLink | null {
  const fresh = tokenFromHash(hash);
  if (fresh) {
    if (store.getItem(TOKEN_KEY) !== fresh) {
      store.setItem(TOKEN_KEY, fresh);
      store.removeItem(CLAIM_KEY);
    }
  }
  const token = store.getItem(TOKEN_KEY);
  return token ? { token, claim: store.getItem(CLAIM_KEY) } : null;
}

export function keepClaim(store: GuestLinkStore, claim: string): void {
  store.setItem(CLAIM_KEY, claim);
}

/** The link is dead (refused, removed, ended): nothing of it is kept. */
export function forgetGuestLink(store: GuestLinkStore): void {
  store.removeItem(TOKEN_KEY);
  store.removeItem(CLAIM_KEY);
}
