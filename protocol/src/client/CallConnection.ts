import type { MediaSource } from '../domain.ts';
import type { ServerPayload } from '../events.ts';
import { CallSession, type PublishOptions, type RemoteTrack } from './CallSession.ts';
import type { ProtocolClient } from './ProtocolClient.ts';

type CallJoined = ServerPayload<'call:joined'>;

/** What a screen shows about the call's connection. */
export interface CallConnectionState {
  /** connecting: the first setup; connected: media flows; reconnecting: an outage is being repaired. */
  status: 'connecting' | 'connected' | 'reconnecting';
  /** When the current outage began (Date.now() of this browser), null when connected. */
  lostSince: number | null;
  /** The media transports could not be set up at all (first setup only). */
  failed: boolean;
}

export interface CallConnectionListeners {
  onTrack(track: RemoteTrack): void;
  onTrackEnded(consumerId: string): void;
  onState(state: CallConnectionState): void;
}

/** Timings of recovery; tests shorten them. */
export interface RecoveryTimings {
  /** A transport 'disconnected' this long is an outage (a blip of Wi-Fi heals by itself). */
  disconnectedGraceMs: number;
  /** After the socket is back, how long to wait for the server's own rejoin (call:joined) first. */
  serverRejoinWaitMs: number;
  /** How long an ICE restart may take before the room is rejoined instead. */
  iceRestartWaitMs: number;
  /** How long a rejoin may take to connect before trying again. */
  rejoinWaitMs: number;
  /** Backoff between attempts: base × 2^attempt, capped, with ±30 % jitter. */
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_RECOVERY_TIMINGS: RecoveryTimings = {
  disconnectedGraceMs: 1_500,
  serverRejoinWaitMs: 1_500,
  iceRestartWaitMs: 4_000,
  rejoinWaitMs: 8_000,
  backoffBaseMs: 500,
  backoffMaxMs: 10_000,
};

/** The delay before attempt `attempt` (0 = at once): exponential with jitter, so a fleet does not retry in step. */
export function backoffDelay(attempt: number, timings: Pick<RecoveryTimings, 'backoffBaseMs' | 'backoffMaxMs'>, random = Math.random): number {
  if (attempt <= 0) return 0;
  const ceiling = Math.min(timings.backoffMaxMs, timings.backoffBaseMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.7 + 0.6 * random()));
}

interface Published {
  track: MediaStreamTrack;
  options: PublishOptions;
  paused: boolean;
}

/**
 * One party's media in a consultation for as long as the consultation lasts, across outages.
 * It holds what this browser sends (so it can send it again), attaches a CallSession to the
 * call's room, and repairs it: an ICE restart on the same transports first, then a rejoin of the
 * room with new transports (also when the server rebuilds the room itself: a worker died, the
 * server restarted, the socket came back). Attempts back off with jitter and go on until the
 * consultation ends (the owner closes the connection on call:ended).
 */
export class CallConnection {
  readonly consultationId: string;
  readonly #client: ProtocolClient;
  readonly #listeners: CallConnectionListeners;
  readonly #timings: RecoveryTimings;
  readonly #published = new Map<MediaSource, Published>();
  readonly #unsubscribe: (() => void)[] = [];
  /** Waiters for the media to be connected (or the connection to close). */
  readonly #connectedWaiters = new Set<() => void>();
  #session: CallSession | null = null;
  /** Bumped on every attach: a late answer of an older session is ignored. */
  #generation = 0;
  /** Producer changes run one after another, so a rejoin's re-publishing and a toggle never race. */
  #publishing: Promise<void> = Promise.resolve();
  #state: CallConnectionState = { status: 'connecting', lostSince: null, failed: false };
  #recovering = false;
  #disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(client: ProtocolClient, joined: CallJoined, listeners: CallConnectionListeners, timings: Partial<RecoveryTimings> = {}) {
    this.#client = client;
    this.consultationId = joined.consultationId;
    this.#listeners = listeners;
    this.#timings = { ...DEFAULT_RECOVERY_TIMINGS, ...timings };
    const { socket } = client;
    const onDisconnect = () => this.#lost();
    const onConnect = () => this.#maybeRecover();
    socket.on('disconnect', onDisconnect);
    socket.on('connect', onConnect);
    this.#unsubscribe.push(
      () => socket.off('disconnect', onDisconnect),
      () => socket.off('connect', onConnect),
      // The server put us into the room afresh (a rejoin, a rebuilt room): attach to it.
      client.on('call:joined', (again) => {
        if (again.consultationId === this.consultationId) void this.#attach(again);
      }),
      // The server is stopping (an update): say so now; the call is held and resumed after its restart.
      client.on('server:restarting', () => this.#lost()),
    );
    void this.#attach(joined);
  }

  get state(): CallConnectionState {
    return this.#state;
  }

  /** Send a local track as `source`, now and again after every rejoin, until unpublished. */
  publish(source: MediaSource, track: MediaStreamTrack, options: PublishOptions = {}): Promise<void> {
    this.#published.set(source, { track, options, paused: false });
    return this.#serially(async (session) => session.publish(source, track, options));
  }

  unpublish(source: MediaSource): Promise<void> {
    this.#published.delete(source);
    return this.#serially((session) => session.unpublish(source));
  }

  setPaused(source: MediaSource, paused: boolean): Promise<void> {
    const published = this.#published.get(source);
    if (published) published.paused = paused;
    return this.#serially((session) => session.setPaused(source, paused));
  }

  async getStats(): Promise<RTCStatsReport[]> {
    return this.#session ? this.#session.getStats() : [];
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#disconnectedTimer);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#detach();
    this.#wakeWaiters();
  }

  // ── Attaching to the room ─────────────────────────────────────────────────

  async #attach(joined: CallJoined): Promise<void> {
    if (this.#closed) return;
    const generation = ++this.#generation;
    this.#detach();
    let session: CallSession;
    try {
      session = await CallSession.start(this.#client, joined, {
        onTrack: (track) => {
          if (generation === this.#generation) this.#listeners.onTrack(track);
        },
        onTrackEnded: (consumerId) => {
          if (generation === this.#generation) this.#listeners.onTrackEnded(consumerId);
        },
        onConnectionState: (state) => {
          if (generation === this.#generation) this.#transportStateChanged(state);
        },
      });
    } catch (error) {
      if (generation !== this.#generation || this.#closed) return;
      console.warn('[call] joining the room failed:', error);
      if (this.#state.status === 'connecting' && this.#state.lostSince === null) this.#setState({ status: 'connecting', lostSince: null, failed: true });
      this.#lost();
      return;
    }
    if (generation !== this.#generation || this.#closed) {
      session.close();
      return;
    }
    this.#session = session;
    // Send again what was being sent; a new room has none of our producers.
    for (const [source, { track, options, paused }] of this.#published) {
      void this.#serially(async (current) => {
        if (current !== session || current.isPublishing(source) || this.#published.get(source)?.track !== track) return;
        await current.publish(source, track, options);
        if (paused) await current.setPaused(source, true);
      });
    }
    this.#transportStateChanged(session.connectionState);
  }

  /** Leave the current session: its remote tracks end on screen, its transports close. */
  #detach(): void {
    const session = this.#session;
    this.#session = null;
    if (!session) return;
    for (const consumerId of session.consumerIds) this.#listeners.onTrackEnded(consumerId);
    session.close();
  }

  #serially(change: (session: CallSession) => Promise<void>): Promise<void> {
    const run = async () => {
      const session = this.#session;
      if (!session || this.#closed) return; // applied when the next session attaches
      await change(session);
    };
    const next = this.#publishing.then(run, run);
    this.#publishing = next.catch(() => {});
    return next;
  }

  // ── Watching and repairing ────────────────────────────────────────────────

  #transportStateChanged(state: RTCPeerConnectionState): void {
    if (this.#closed) return;
    clearTimeout(this.#disconnectedTimer);
    if (state === 'connected') {
      this.#connected();
    } else if (state === 'failed' || state === 'closed') {
      this.#lost();
    } else if (state === 'disconnected') {
      // Often heals by itself within a second or two (ICE consent resumes); otherwise repair it.
      this.#disconnectedTimer = setTimeout(() => this.#lost(), this.#timings.disconnectedGraceMs);
    }
  }

  #isConnected(): boolean {
    return this.#session !== null && this.#client.socket.connected && this.#session.connectionState === 'connected';
  }

  #connected(): void {
    if (!this.#isConnected()) return;
    const wasConnected = this.#state.status === 'connected';
    this.#setState({ status: 'connected', lostSince: null, failed: false });
    this.#wakeWaiters();
    // Media flows (again): the server closes the outage it holds for us, if any, with its gap. Also
    // on the first connection of a page, which may be a reload the server saw as an outage.
    if (!wasConnected) this.#client.request('media:recovered', { consultationId: this.consultationId }).catch(() => {});
  }

  /** Media or signaling is gone: say so and start repairing (once; the loop runs until connected). */
  #lost(): void {
    if (this.#closed) return;
    if (this.#state.lostSince === null && this.#state.status !== 'connecting') {
      this.#setState({ status: 'reconnecting', lostSince: Date.now(), failed: false });
    }
    void this.#recover();
  }

  #maybeRecover(): void {
    if (this.#state.lostSince !== null || this.#state.failed) void this.#recover();
  }

  async #recover(): Promise<void> {
    if (this.#recovering || this.#closed) return;
    this.#recovering = true;
    try {
      for (let attempt = 0; !this.#closed && !this.#isConnected(); attempt++) {
        await this.#sleep(backoffDelay(attempt, this.#timings));
        await this.#socketConnected();
        if (this.#closed || this.#isConnected()) break;
        const generation = this.#generation;
        // Back from a socket outage, the server rejoins us itself: give its call:joined a moment.
        if (attempt === 0 && (await this.#waitConnected(this.#timings.serverRejoinWaitMs))) break;
        if (generation === this.#generation && (await this.#restartIce())) break;
        if (this.#closed || this.#isConnected()) break;
        try {
          await this.#client.request('call:rejoin', { consultationId: this.consultationId });
        } catch (error) {
          console.warn('[call] rejoin refused:', error);
          continue;
        }
        await this.#waitConnected(this.#timings.rejoinWaitMs);
      }
    } finally {
      this.#recovering = false;
    }
    if (this.#isConnected()) this.#connected();
  }

  /** ICE restart of the current session; true when media is connected again in time. */
  async #restartIce(): Promise<boolean> {
    const session = this.#session;
    if (!session) return false;
    try {
      await session.restartIce(Date.now() - (this.#state.lostSince ?? Date.now()));
    } catch (error) {
      console.warn('[call] ICE restart refused:', error);
      return false;
    }
    return this.#waitConnected(this.#timings.iceRestartWaitMs);
  }

  #waitConnected(ms: number): Promise<boolean> {
    if (this.#isConnected()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#connectedWaiters.delete(done);
        resolve(this.#isConnected());
      };
      const timer = setTimeout(done, ms);
      this.#connectedWaiters.add(done);
    });
  }

  #wakeWaiters(): void {
    for (const wake of [...this.#connectedWaiters]) wake();
  }

  #socketConnected(): Promise<void> {
    const { socket } = this.#client;
    if (socket.connected || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        socket.off('connect', done);
        this.#connectedWaiters.delete(done);
        resolve();
      };
      socket.on('connect', done);
      this.#connectedWaiters.add(done); // close() wakes it too
    });
  }

  #sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#connectedWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#connectedWaiters.add(done); // close() ends the wait at once
    });
  }

  #setState(state: CallConnectionState): void {
    this.#state = state;
    this.#listeners.onState(state);
  }
}
