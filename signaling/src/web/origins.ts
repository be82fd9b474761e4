import type { IncomingHttpHeaders } from 'node:http';

/** Whether a request comes from a page this server trusts. */
export type OriginCheck = (headers: IncomingHttpHeaders) => boolean;

/**
 * Browsers name the page behind every cross-origin request and every WebSocket in `Origin`, so a
 * page on another origin — which could otherwise drive a token it obtained, or the browser's own
 * connection — is refused here. A request without `Origin` is no such page: a same-origin GET, a
 * navigation, or a client that is not a browser (it holds its token itself).
 *
 * `allowed` undefined: the page must come from the origin the request was addressed to (its Host),
 * whichever of the server's addresses the tablet or console uses.
 */
export function createOriginCheck(allowed: readonly string[] | undefined): OriginCheck {
  return ({ origin, host }) => {
    if (origin === undefined) return true;
    if (allowed) return allowed.includes(origin);
    try {
      const url = new URL(origin);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host;
    } catch {
      return false; // "null" (a sandboxed frame, a file) and anything else that is not an origin
    }
  };
}
