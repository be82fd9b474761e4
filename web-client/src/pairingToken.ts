/** A JWT: three base64url parts joined by dots, the first a JSON header, so beginning with `eyJ` (`{"`). */
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

/**
 * The device token in what the clerk pasted: the token alone, or a whole line of the tokens file
 * with the site's and the tablet's names around it. Nothing shaped like a token: the text as
 * typed, trimmed, for the server to refuse.
 */
export function extractToken(pasted: string): string {
  return JWT.exec(pasted)?.[0] ?? pasted.trim();
}

/** A pairing code as the clerk may type it: eight digits, perhaps with spaces or a hyphen ("1234 5678"). */
export function pairingCodeIn(typed: string): string | null {
  const digits = typed.replace(/[\s-]/g, '');
  return /^\d{8}$/.test(digits) ? digits : null;
}
