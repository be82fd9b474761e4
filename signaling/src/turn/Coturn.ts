import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createLogger } from '@madoguchi/protocol/logger';
import { WILDCARD_ADDRESSES } from '../lanAddresses.ts';

const logger = createLogger('turn');

export interface CoturnOptions {
  /** Where its configuration, pid file and database go (owner-only: the configuration holds the secret). */
  dir: string;
  /** The address TURN listens on; a wildcard listens on every interface. */
  listenIp: string;
  port: number;
  /** TURN over TLS, with the server's certificate; none without one. */
  tls?: { port: number; certFile: string; keyFile: string };
  relayPorts: { min: number; max: number };
  secret: string;
  /**
   * The only addresses TURN relays to: the SFU's. A TURN server that relays anywhere is an open
   * proxy into the city's network.
   */
  peers: string[];
  /** Path of the coturn binary (Debian's package: turnserver). */
  binary?: string;
}

const READY_TIMEOUT_MS = 10_000;
const RESTART_FIRST_MS = 1_000;
const RESTART_MAX_MS = 30_000;
const STOP_GRACE_MS = 3_000;
/**
 * What coturn says at every start of this configuration: one address (no RFC 5780 tests), and
 * loopback peers when the SFU itself is on 127.0.0.1 (one machine: nothing else is reachable).
 */
const EXPECTED_WARNINGS = /CHANGE_REQUEST|allow_loopback_peers|cannot find (pid|log) file/i;
/** Lines of coturn's own log kept for the message when it fails to start. */
const KEPT_LOG_LINES = 20;

/**
 * coturn as a child process of the server: started with a configuration generated here, restarted
 * with backoff if it dies, stopped with the server. Its log is passed on when it warns or fails.
 */
export class Coturn {
  readonly #options: CoturnOptions;
  readonly #configFile: string;
  #child: ChildProcess | undefined;
  #closed = false;
  #restartDelayMs = RESTART_FIRST_MS;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #recentLog: string[] = [];

  private constructor(options: CoturnOptions) {
    this.#options = options;
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    this.#configFile = join(options.dir, 'turnserver.conf');
    writeFileSync(this.#configFile, coturnConfiguration(options), { mode: 0o600 });
  }

  /** Start coturn and wait until it accepts TURN connections; throws with its log if it cannot. */
  static async start(options: CoturnOptions): Promise<Coturn> {
    const coturn = new Coturn(options);
    try {
      await coturn.#launch();
    } catch (error) {
      await coturn.close();
      throw error;
    }
    return coturn;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async #launch(): Promise<void> {
    const child = spawn(this.#options.binary ?? 'turnserver', ['-c', this.#configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`coturn could not start: ${error.message} (install Debian's coturn package, or set TURN=off)`)));
      child.once('exit', (code, signal) => reject(new Error(`coturn exited at start (${signal ?? `code ${code}`}):\n${this.#recentLog.join('\n')}`)));
    });
    exited.catch(() => undefined); // observed below, or by the exit handler once running
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => this.#log(text));
    }
    await Promise.race([exited, this.#acceptsConnections()]);
    this.#restartDelayMs = RESTART_FIRST_MS;
    child.once('exit', (code, signal) => {
      if (this.#closed || this.#child !== child) return;
      logger.error(`coturn stopped (${signal ?? `code ${code}`}); starting it again in ${this.#restartDelayMs / 1000} s`);
      this.#restartTimer = setTimeout(() => {
        this.#launch().catch((error: unknown) => logger.error((error as Error).message));
      }, this.#restartDelayMs);
      this.#restartDelayMs = Math.min(this.#restartDelayMs * 2, RESTART_MAX_MS);
    });
  }

  #log(text: string): void {
    for (const line of text.split('\n').filter(Boolean)) {
      this.#recentLog.push(line);
      if (/ERROR|WARNING|cannot/i.test(line) && !EXPECTED_WARNINGS.test(line)) logger.warn(line.replace(/^\d+: : /, ''));
    }
    this.#recentLog = this.#recentLog.slice(-KEPT_LOG_LINES);
  }

  /** Resolves once the TURN port takes a TCP connection. */
  async #acceptsConnections(): Promise<void> {
    const host = WILDCARD_ADDRESSES.has(this.#options.listenIp) ? '127.0.0.1' : this.#options.listenIp;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect(this.#options.port, host);
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (open) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`coturn did not open ${host}:${this.#options.port} within ${READY_TIMEOUT_MS / 1000} s:\n${this.#recentLog.join('\n')}`);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** coturn's configuration file: REST credentials only, relaying to the SFU only, nothing else listening. */
export function coturnConfiguration({ dir, listenIp, port, tls, relayPorts, secret, peers }: CoturnOptions): string {
  const wildcard = WILDCARD_ADDRESSES.has(listenIp);
  const loopbackPeers = peers.some((peer) => peer.startsWith('127.') || peer === '::1');
  return [
    '# Written by Madoguchi at each start; edits are lost (see README, "TURN").',
    ...(wildcard ? [] : [`listening-ip=${listenIp}`, `relay-ip=${listenIp}`]),
    `listening-port=${port}`,
    ...(tls ? [`tls-listening-port=${tls.port}`, `cert=${tls.certFile}`, `pkey=${tls.keyFile}`, 'no-tlsv1', 'no-tlsv1_1'] : ['no-tls']),
    'no-dtls',
    // The SFU takes UDP; a TCP relay (RFC 6062) would only be a way into other services.
    'no-tcp-relay',
    `min-port=${relayPorts.min}`,
    `max-port=${relayPorts.max}`,
    'use-auth-secret',
    `static-auth-secret=${secret}`,
    'realm=madoguchi',
    'fingerprint',
    'stale-nonce=600',
    'user-quota=16',
    'no-multicast-peers',
    ...(loopbackPeers ? ['allow-loopback-peers'] : []),
    ...peers.map((peer) => `allowed-peer-ip=${peer}`),
    'denied-peer-ip=0.0.0.0-255.255.255.255',
    'denied-peer-ip=::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    'no-cli',
    'no-software-attribute',
    `pidfile=${join(dir, 'turnserver.pid')}`,
    `userdb=${join(dir, 'turndb')}`,
    'log-file=stdout',
    'simple-log',
    '',
  ].join('\n');
}
