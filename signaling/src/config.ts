import { DEFAULT_BUSY_TIMEOUT_MS, DEFAULT_DATABASE_URL, DEMO_CITY } from '@madoguchi/db';
import { DEFAULT_LOGIN_LIMITS } from './auth/LoginThrottle.ts';
import { DEFAULT_PUBLIC_BOOKING_LIMITS, type PublicBookingLimits } from './reservations/PublicBookingDesk.ts';
import type { RateLimit } from './gateway/RateLimit.ts';
import type { TurnConfig } from './turn/IceServers.ts';
import { lanAddresses, WILDCARD_ADDRESSES } from './lanAddresses.ts';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The demo tablets' tokens, one line each (site, tablet, token), written by `npm run setup`. */
export const DEMO_DEVICE_TOKENS_FILE = resolve(REPO_ROOT, '.data/device-tokens.txt');

export type TlsConfig = { mode: 'files'; certFile: string; keyFile: string } | { mode: 'local'; dir: string } | { mode: 'off' };

export interface Config {
  host: string;
  port: number;
  /**
   * HTTPS: tablets on a LAN need a secure context for their cameras. `files`: the city's own
   * certificate; `local`: this server's own CA and certificate, made in `dir` (the default);
   * `off`: plain HTTP, behind a reverse proxy that speaks TLS (or in tests).
   */
  tls: TlsConfig;
  turn: TurnConfig;
  databaseUrl: string;
  /**
   * The Redis that signaling nodes share (`redis://…`); undefined: this process is the only one.
   * With it, pushes reach a socket connected to any node (socket.io's Redis adapter).
   */
  redisUrl?: string;
  /** With REDIS_URL: where the other signaling nodes reach this one's HTTP API (its own URL by default). */
  nodeUrl?: string;
  /**
   * SFU=nodes: the calls' media runs on SFU nodes of their own (`npm start -w sfu`), found in REDIS_URL's
   * registry and driven with the shared SFU_SECRET; undefined (SFU=embedded, the default): on this
   * process's own mediasoup workers (`media`).
   */
  sfuNodes?: { secret: string };
  /** How long a write waits for another connection's lock; the server's own writes wait between tries, with the event loop free. */
  databaseBusyTimeoutMs: number;
  jwtSecret: string;
  /** Where the generated JWT secret is kept (when JWT_SECRET is not set). */
  jwtSecretFile?: string;
  staffTokenTtl: string;
  /** The server's own files (database, secret, token files, stills by default): kept private (0700 / 0600). */
  dataDir: string;
  /**
   * Page origins that may call the API and open a socket (`https://madoguchi.city.example`); undefined: the
   * origin each request was addressed to, so the server's own pages work at whatever address reaches it.
   */
  allowedOrigins?: string[];
  /** Per socket: every event, and chat messages among them; past `events` a socket is refused, then dropped. */
  socketLimits: { events: RateLimit; chat: RateLimit };
  /** Express's `trust proxy`: set behind a reverse proxy so that login limits see the client's address. */
  trustProxy: string | false;
  /** Failed password logins allowed per address and per (address, username) within the window. */
  login: { failuresPerAccount: number; failuresPerAddress: number; windowMs: number };
  media: {
    workers: number;
    listenIp: string;
    announcedIp?: string;
    port: number;
    /** Cap on what each browser may send, in bps (e.g. a mobile counter's uplink); undefined = none. */
    maxIncomingBitrate?: number;
    /** Every call through TURN (browsers gather relay candidates only): for networks that must see all media on one port. */
    forceRelay: boolean;
  };
  /** How long a consultation is held for a tablet or an operator whose connection is lost (or after a restart). */
  resumeWindows: { tabletMs: number; operatorMs: number };
  /** How often the SFU's statistics of each call's streams are sampled for its record. */
  qualitySampleMs: number;
  /** The residents' booking page (/booking/ and /api/public/booking) with its city's name and its limits; null: switched off. */
  publicBooking: ({ city: string } & PublicBookingLimits) | null;
  /** Guests by link: how long an invitation's link may be opened (an opened link is good until the call ends or the guest is removed). */
  guestLinkTtlMs: number;
  /** Defaults of the records settings an admin may change at run time (Setting table). */
  records: {
    retentionDays: number;
    serviceLevelSeconds: number;
    keepChatTranscript: boolean;
    /** Whether the tablet says so when a supervisor listens or joins (default: told). */
    tellResidentOfSupervision: boolean;
  };
  /** Built browser apps, served at /kiosk/ and /console/. */
  webClientDir: string;
  operatorConsoleDir: string;
  documents: {
    /** Where the departments' libraries and the documents sent in calls are kept (library/, sent/). */
    dir: string;
    /** Sent documents older than this are deleted (file and row). */
    retentionMs: number;
    /** Signed forms (DOCUMENTS_DIR/signed) older than this are deleted, file and row; their events with the hash stay. */
    signedFormRetentionMs: number;
  };
  stills: {
    /** Where still images are kept. */
    dir: string;
    /** Stills older than this are deleted (file and row). */
    retentionMs: number;
  };
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a whole number, got "${value}"`);
  return parsed;
}

/** A two-valued setting by name (e.g. keep / discard); unset: the first. */
function flag(value: string | undefined, yes: string, no: string, name: string): boolean {
  if (value === undefined || value === '' || value === yes) return true;
  if (value === no) return false;
  throw new Error(`${name} must be "${yes}" or "${no}", got "${value}"`);
}

/** A secret kept in a file of its own (made owner-only, with 48 random bytes, on first use). */
function secretInFile(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return readFileSync(file, 'utf8').trim();
}

/** The JWT secret: JWT_SECRET, or a random one kept in a file (created once, readable by the owner only). */
function loadJwtSecret(env: NodeJS.ProcessEnv, root: string): { jwtSecret: string; jwtSecretFile?: string } {
  if (env.JWT_SECRET) {
    if (env.JWT_SECRET.length < 32) throw new Error('JWT_SECRET must be at least 32 characters');
    return { jwtSecret: env.JWT_SECRET };
  }
  const file = resolve(root, env.JWT_SECRET_FILE ?? '.data/jwt-secret');
  return { jwtSecret: secretInFile(file), jwtSecretFile: file };
}

/**
 * TURN: the embedded coturn by default (its secret in .data/turn-secret), the city's own when
 * TURN_URLS and TURN_SECRET are set, or none (TURN=off).
 */
function turnConfig(env: NodeJS.ProcessEnv, dataDir: string): TurnConfig {
  const credentialTtlMs = Math.max(1, int(env.TURN_CREDENTIAL_TTL_MINUTES, 360, 'TURN_CREDENTIAL_TTL_MINUTES')) * 60_000;
  if (env.TURN_URLS) {
    const urls = env.TURN_URLS.split(',').map((url) => url.trim()).filter(Boolean);
    const bad = urls.find((url) => !/^turns?:[^\s]+$/.test(url));
    if (bad) throw new Error(`TURN_URLS: "${bad}" is not a TURN URL such as turns:turn.city.example:443?transport=tcp`);
    if (!env.TURN_SECRET) throw new Error('TURN_URLS needs TURN_SECRET: the static-auth-secret of that TURN server (use-auth-secret)');
    return { mode: 'external', urls, secret: env.TURN_SECRET, credentialTtlMs };
  }
  const mode = env.TURN ?? 'embedded';
  if (mode === 'off') return { mode: 'off' };
  if (mode !== 'embedded') throw new Error(`TURN=${mode}: use embedded (coturn started by this server, the default) or off; for a TURN server of your own set TURN_URLS and TURN_SECRET`);
  const relay = /^(\d+)-(\d+)$/.exec(env.TURN_RELAY_PORTS ?? '49160-49359');
  if (!relay || Number(relay[1]) > Number(relay[2])) throw new Error(`TURN_RELAY_PORTS=${env.TURN_RELAY_PORTS}: a range such as 49160-49359`);
  return {
    mode: 'embedded',
    port: int(env.TURN_PORT, 3478, 'TURN_PORT'),
    tlsPort: int(env.TURN_TLS_PORT, 5349, 'TURN_TLS_PORT'),
    relayPorts: { min: Number(relay[1]), max: Number(relay[2]) },
    secret: env.TURN_SECRET || secretInFile(resolve(dataDir, 'turn-secret')),
    credentialTtlMs,
  };
}

/** ALLOWED_ORIGINS: comma-separated origins (scheme://host[:port]), each checked and normalised. */
function origins(value: string | undefined): string[] | undefined {
  if (!value?.trim()) return undefined;
  return value.split(',').map((entry) => {
    const trimmed = entry.trim();
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new Error(`ALLOWED_ORIGINS: "${trimmed}" is not an origin such as https://madoguchi.city.example`);
    }
    if (url.origin === 'null' || url.pathname !== '/' || url.search || url.hash) {
      throw new Error(`ALLOWED_ORIGINS: "${trimmed}" is not an origin such as https://madoguchi.city.example`);
    }
    return url.origin;
  });
}

/**
 * mediasoup tells browsers the address it listens on; "every interface" is no address a browser
 * can send to, so every call would hang without an announced one.
 */
function mediaAnnouncedIp(listenIp: string, announcedIp: string | undefined): string | undefined {
  if (announcedIp || !WILDCARD_ADDRESSES.has(listenIp)) return announcedIp;
  const example = lanAddresses()[0] ?? '192.168.1.10';
  throw new Error(
    `MEDIA_LISTEN_IP=${listenIp} needs MEDIA_ANNOUNCED_IP: the address tablets and consoles reach this server at ` +
      `(e.g. MEDIA_ANNOUNCED_IP=${example}); without it no call would get media`,
  );
}

function tlsConfig(env: NodeJS.ProcessEnv, root: string, dataDir: string): TlsConfig {
  const certFile = env.TLS_CERT_FILE || undefined;
  const keyFile = env.TLS_KEY_FILE || undefined;
  if (certFile || keyFile) {
    if (!certFile || !keyFile) throw new Error('TLS_CERT_FILE and TLS_KEY_FILE go together: the certificate (with its chain) and its private key');
    return { mode: 'files', certFile: resolve(root, certFile), keyFile: resolve(root, keyFile) };
  }
  const mode = env.TLS ?? 'local';
  if (mode === 'off') return { mode: 'off' };
  if (mode === 'local') return { mode: 'local', dir: resolve(dataDir, 'tls') };
  throw new Error(`TLS=${mode}: use local (this server's own certificate authority, the default) or off (plain HTTP behind a TLS proxy)`);
}

function redisUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!/^rediss?:\/\//.test(value)) throw new Error(`REDIS_URL=${value.replace(/:[^:@/]*@/, ':***@')}: a redis:// or rediss:// URL`);
  return value;
}

function sfuNodes(env: NodeJS.ProcessEnv): Config['sfuNodes'] {
  const mode = env.SFU || 'embedded';
  if (mode === 'embedded') return undefined;
  if (mode !== 'nodes') throw new Error(`SFU=${mode}: use embedded (this process's own media workers, the default) or nodes (SFU nodes of their own)`);
  if (!env.REDIS_URL) throw new Error('SFU=nodes needs REDIS_URL: the SFU nodes register there');
  const secret = env.SFU_SECRET ?? '';
  if (secret.length < 32) throw new Error('SFU=nodes needs SFU_SECRET: at least 32 characters, the same on the SFU nodes');
  return { secret };
}

function nodeUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!/^https?:\/\/[^/]+$/.test(value)) throw new Error(`NODE_URL=${value}: an http:// or https:// origin such as http://10.0.0.5:8080, with no path`);
  return value;
}

function forceRelay(env: NodeJS.ProcessEnv): boolean {
  const value = env.MEDIA_FORCE_RELAY ?? 'false';
  if (!['true', 'false'].includes(value)) throw new Error(`MEDIA_FORCE_RELAY=${value}: true or false`);
  if (value === 'true' && env.TURN === 'off' && !env.TURN_URLS) throw new Error('MEDIA_FORCE_RELAY=true needs TURN: with TURN=off no call could carry media');
  return value === 'true';
}

/**
 * The configuration from the environment. `root` is where relative paths (STILLS_DIR,
 * JWT_SECRET_FILE) resolve: the repo root, or a temporary one for tests of the defaults.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, root = REPO_ROOT): Config {
  const listenIp = env.MEDIA_LISTEN_IP ?? '127.0.0.1';
  const dataDir = resolve(root, env.DATA_DIR ?? '.data');
  return {
    host: env.HOST ?? '127.0.0.1',
    port: int(env.PORT, 8080, 'PORT'),
    tls: tlsConfig(env, root, dataDir),
    turn: turnConfig(env, dataDir),
    databaseUrl: env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    redisUrl: redisUrl(env.REDIS_URL),
    nodeUrl: nodeUrl(env.NODE_URL),
    sfuNodes: sfuNodes(env),
    databaseBusyTimeoutMs: int(env.DATABASE_BUSY_TIMEOUT_MS, DEFAULT_BUSY_TIMEOUT_MS, 'DATABASE_BUSY_TIMEOUT_MS'),
    ...loadJwtSecret(env, root),
    staffTokenTtl: env.STAFF_TOKEN_TTL ?? '12h',
    dataDir,
    allowedOrigins: origins(env.ALLOWED_ORIGINS),
    socketLimits: {
      // A call's start or a rejoin sends a few dozen events at once; a person chats far slower than this.
      events: {
        perSecond: Math.max(1, int(env.SOCKET_EVENTS_PER_SECOND, 20, 'SOCKET_EVENTS_PER_SECOND')),
        burst: Math.max(1, int(env.SOCKET_EVENT_BURST, 60, 'SOCKET_EVENT_BURST')),
      },
      chat: { perSecond: 1, burst: 10 },
    },
    trustProxy: env.TRUST_PROXY || false,
    login: {
      failuresPerAccount: Math.max(1, int(env.LOGIN_FAILURES_PER_ACCOUNT, DEFAULT_LOGIN_LIMITS.failuresPerAccount, 'LOGIN_FAILURES_PER_ACCOUNT')),
      failuresPerAddress: Math.max(1, int(env.LOGIN_FAILURES_PER_ADDRESS, DEFAULT_LOGIN_LIMITS.failuresPerAddress, 'LOGIN_FAILURES_PER_ADDRESS')),
      windowMs: Math.max(1, int(env.LOGIN_FAILURE_WINDOW_MINUTES, DEFAULT_LOGIN_LIMITS.windowMs / 60_000, 'LOGIN_FAILURE_WINDOW_MINUTES')) * 60_000,
    },
    media: {
      workers: int(env.MEDIA_WORKERS, availableParallelism(), 'MEDIA_WORKERS') || 1,
      listenIp,
      announcedIp: mediaAnnouncedIp(listenIp, env.MEDIA_ANNOUNCED_IP || undefined),
      port: int(env.MEDIA_PORT, 40000, 'MEDIA_PORT'),
      maxIncomingBitrate: int(env.MEDIA_MAX_INCOMING_KBPS, 0, 'MEDIA_MAX_INCOMING_KBPS') * 1000 || undefined,
      forceRelay: forceRelay(env),
    },
    resumeWindows: {
      tabletMs: Math.max(1, int(env.RESUME_WINDOW_TABLET_SECONDS, 60, 'RESUME_WINDOW_TABLET_SECONDS')) * 1000,
      operatorMs: Math.max(1, int(env.RESUME_WINDOW_OPERATOR_SECONDS, 60, 'RESUME_WINDOW_OPERATOR_SECONDS')) * 1000,
    },
    qualitySampleMs: Math.max(1, int(env.QUALITY_SAMPLE_SECONDS, 5, 'QUALITY_SAMPLE_SECONDS')) * 1000,
    guestLinkTtlMs: Math.max(1, int(env.GUEST_LINK_MINUTES, 30, 'GUEST_LINK_MINUTES')) * 60_000,
    publicBooking: flag(env.PUBLIC_BOOKING, 'on', 'off', 'PUBLIC_BOOKING')
      ? {
          city: env.CITY_NAME || DEMO_CITY,
          bookingsPerAddress: Math.max(1, int(env.PUBLIC_BOOKINGS_PER_ADDRESS, DEFAULT_PUBLIC_BOOKING_LIMITS.bookingsPerAddress, 'PUBLIC_BOOKINGS_PER_ADDRESS')),
          wrongKeysPerAddress: Math.max(1, int(env.PUBLIC_BOOKING_WRONG_CODES_PER_ADDRESS, DEFAULT_PUBLIC_BOOKING_LIMITS.wrongKeysPerAddress, 'PUBLIC_BOOKING_WRONG_CODES_PER_ADDRESS')),
          openBookingsPerPhone: Math.max(1, int(env.PUBLIC_BOOKINGS_PER_PHONE, DEFAULT_PUBLIC_BOOKING_LIMITS.openBookingsPerPhone, 'PUBLIC_BOOKINGS_PER_PHONE')),
        }
      : null,
    records: {
      retentionDays: int(env.RECORDS_RETENTION_DAYS, 1825, 'RECORDS_RETENTION_DAYS'),
      serviceLevelSeconds: int(env.SERVICE_LEVEL_SECONDS, 60, 'SERVICE_LEVEL_SECONDS'),
      keepChatTranscript: flag(env.CHAT_TRANSCRIPT, 'keep', 'discard', 'CHAT_TRANSCRIPT'),
      tellResidentOfSupervision: flag(env.SUPERVISION_NOTICE, 'tell', 'silent', 'SUPERVISION_NOTICE'),
    },
    webClientDir: resolve(REPO_ROOT, 'web-client/dist'),
    operatorConsoleDir: resolve(REPO_ROOT, 'operator-console/dist'),
    documents: {
      dir: resolve(root, env.DOCUMENTS_DIR ?? '.data/documents'),
      retentionMs: int(env.DOCUMENT_RETENTION_DAYS, 30, 'DOCUMENT_RETENTION_DAYS') * 24 * 60 * 60 * 1000,
      signedFormRetentionMs: int(env.SIGNED_FORM_RETENTION_DAYS, 1825, 'SIGNED_FORM_RETENTION_DAYS') * 24 * 60 * 60 * 1000,
    },
    stills: {
      dir: resolve(root, env.STILLS_DIR ?? '.data/stills'),
      retentionMs: int(env.STILL_RETENTION_DAYS, 30, 'STILL_RETENTION_DAYS') * 24 * 60 * 60 * 1000,
    },
  };
}
