import { ConnectRefusal, LoginResponse, StaffProfile, type LoginRequest, type SessionEndReason } from '@madoguchi/protocol';

/** Staff login against the REST API, and the session kept in sessionStorage (per browser tab). */

const TOKEN_KEY = 'madoguchi.staffToken';
const PROFILE_KEY = 'madoguchi.staffProfile';

export interface StaffSession {
  token: string;
  staff: StaffProfile;
}

export type LoginFailure = 'invalid' | 'rateLimited' | 'network' | 'server';

/** Why a session ended without this tab's logout: the token expired, or the server ended it (SessionEndReason). */
export type SessionProblem = 'expired' | SessionEndReason;

/**
 * Why the server refused this console's socket (connect_error), or null when it may retry: an ended
 * session says why (e.g. signed out by an admin while this PC was offline); any other refusal of the
 * token is an expired login.
 */
export function refusedSession(error: Error & { data?: unknown }): SessionProblem | null {
  if (error.message !== 'UNAUTHORIZED') return null;
  const refusal = ConnectRefusal.safeParse(error.data);
  return (refusal.success && refusal.data.reason) || 'expired';
}

export class LoginError extends Error {
  readonly failure: LoginFailure;
  constructor(failure: LoginFailure, message: string) {
    super(message);
    this.name = 'LoginError';
    this.failure = failure;
  }
}

export async function login(request: LoginRequest): Promise<StaffSession> {
  let response: Response;
  try {
    response = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(request),
    });
  } catch (error) {
    throw new LoginError('network', error instanceof Error ? error.message : String(error));
  }
  if (response.status === 400 || response.status === 401) {
    throw new LoginError('invalid', `login refused (${response.status})`);
  }
  if (response.status === 429) throw new LoginError('rateLimited', `login refused for now (retry after ${response.headers.get('retry-after')} s)`);
  if (!response.ok) throw new LoginError('server', `login failed (${response.status})`);
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new LoginError('server', 'login answer is not JSON');
  }
  const parsed = LoginResponse.safeParse(body);
  if (!parsed.success) throw new LoginError('server', 'login answer has an unexpected shape');
  return parsed.data;
}

/**
 * Ends this tab's session on the server, so its token is refused from now on. The tab forgets the
 * session whatever the answer: a logout that cannot reach the server leaves a token that expires by itself.
 */
export async function logout(token: string): Promise<void> {
  try {
    await fetch('/api/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
  } catch {
    // offline: nothing more this tab can do
  }
}

export function saveSession(session: StaffSession): void {
  try {
    sessionStorage.setItem(TOKEN_KEY, session.token);
    sessionStorage.setItem(PROFILE_KEY, JSON.stringify(session.staff));
  } catch {
    // Storage disabled: the session lasts until the page is reloaded.
  }
}

export function clearSession(): void {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(PROFILE_KEY);
  } catch {
    // nothing stored
  }
}

/** The stored session, unless missing, malformed or past its expiry. */
export function loadSession(now: number = Date.now()): StaffSession | null {
  let token: string | null;
  let profile: string | null;
  try {
    token = sessionStorage.getItem(TOKEN_KEY);
    profile = sessionStorage.getItem(PROFILE_KEY);
  } catch {
    return null;
  }
  if (!token || !profile) return null;
  let staff: unknown;
  try {
    staff = JSON.parse(profile);
  } catch {
    clearSession();
    return null;
  }
  const parsed = StaffProfile.safeParse(staff);
  const expiresAt = tokenExpiry(token);
  if (!parsed.success || (expiresAt !== null && expiresAt <= now)) {
    clearSession();
    return null;
  }
  return { token, staff: parsed.data };
}

/** The `exp` of a JWT in ms, read without verifying (the server verifies); null if absent. */
export function tokenExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(json);
    if (claims && typeof claims === 'object' && 'exp' in claims && typeof claims.exp === 'number') {
      return claims.exp * 1000;
    }
  } catch {
    // not a JWT we can read
  }
  return null;
}
