import { createHmac } from 'node:crypto';
import type { IceServer } from '@madoguchi/protocol';
import type { Clock } from '../clock.ts';

/**
 * TURN for tablets and consoles whose network lets no UDP out, or only TLS on one port. Off, a
 * coturn this server starts (embedded), or the city's own (external) — all with the TURN REST
 * scheme (coturn's `use-auth-secret`): short-lived credentials derived from a shared secret.
 */
export type TurnConfig =
  | { mode: 'off' }
  | { mode: 'embedded'; port: number; tlsPort: number; relayPorts: { min: number; max: number }; secret: string; credentialTtlMs: number }
  | { mode: 'external'; urls: string[]; secret: string; credentialTtlMs: number };

/** What the server adds to each transport it gives a browser. */
export interface ClientIceConfig {
  iceServers?: IceServer[];
  /** `relay`: every call goes through TURN (MEDIA_FORCE_RELAY), for networks that must see all media on one port. */
  iceTransportPolicy?: 'relay';
}

/**
 * A TURN REST credential: the user name is `expiry:identity` (expiry in Unix seconds), the password
 * the base64 HMAC-SHA1 of that name under the shared secret. coturn recomputes it, and refuses it
 * once the expiry has passed.
 */
export function turnCredential(secret: string, identity: string, expiresAtMs: number): { username: string; credential: string } {
  const username = `${Math.floor(expiresAtMs / 1000)}:${identity}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/**
 * The host a browser reached this server at, from its request's Host header, fit to put in a TURN
 * URL (a name, an IPv4 address or a bracketed IPv6 one); undefined for anything else.
 */
export function pageHost(hostHeader: string | undefined): string | undefined {
  if (!hostHeader || hostHeader.length > 255) return undefined;
  try {
    const { hostname } = new URL(`https://${hostHeader}`);
    return /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/i.test(hostname) ? hostname : undefined;
  } catch {
    return undefined;
  }
}

export class IceServers {
  readonly #turn: TurnConfig;
  readonly #forceRelay: boolean;
  /** Whether the embedded TURN listens for TLS (it needs the server's certificate). */
  readonly #tls: boolean;
  readonly #clock: Pick<Clock, 'now'>;

  constructor({ turn, forceRelay, tls, clock }: { turn: TurnConfig; forceRelay: boolean; tls: boolean; clock: Pick<Clock, 'now'> }) {
    this.#turn = turn;
    this.#forceRelay = forceRelay;
    this.#tls = tls;
    this.#clock = clock;
  }

  /**
   * The TURN servers for one client, with a credential of its own (`identity` shows in coturn's
   * log), at the host the client reached this server at: the embedded TURN runs on the same
   * machine, and its TLS certificate is the one the page was served with.
   */
  forClient(identity: string, host: string | undefined): ClientIceConfig {
    const turn = this.#turn;
    if (turn.mode === 'off') return {};
    const urls = turn.mode === 'external' ? turn.urls : host ? this.#embeddedUrls(turn, host) : [];
    if (urls.length === 0) return {};
    const credential = turnCredential(turn.secret, identity, this.#clock.now().getTime() + turn.credentialTtlMs);
    return { iceServers: [{ urls, ...credential }], ...(this.#forceRelay ? { iceTransportPolicy: 'relay' as const } : {}) };
  }

  #embeddedUrls(turn: Extract<TurnConfig, { mode: 'embedded' }>, host: string): string[] {
    return [
      `turn:${host}:${turn.port}?transport=udp`,
      `turn:${host}:${turn.port}?transport=tcp`,
      ...(this.#tls ? [`turns:${host}:${turn.tlsPort}?transport=tcp`] : []),
    ];
  }
}
