import type { MediaSource } from '../domain.ts';
import type { ServerPayload } from '../events.ts';
import { CallSession, SENT_FRAMES_POLL_MS, type PublishOptions, type RemoteTrack, type SentVideoStats } from './CallSession.ts';
import type { ProtocolClient } from './ProtocolClient.ts';
import { SendStallWatch } from './sendStall.ts';

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
  /** Nothing at all received on the transports this long is an outage (ICE notices only after ~7 s). */
  stallMs: number;
  /** How often the transports' received bytes are read to notice a stall. */
  stallCheckMs: number;
  /** Video encoders that turned out nothing this long while their cameras deliver and the link is up: the session is replaced. */
  sendStallMs: number;
  /** An outage whose transports have not failed is first given this long to heal by itself (the link comes back). */
  selfHealWaitMs: number;
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
  stallMs: 2_500,
  stallCheckMs: 1_000,
  sendStallMs: 6_000,
  selfHealWaitMs: 4_000,
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

/** Checks in a row with something received before silence counts as a cut. */
const STEADY_CHECKS = 3;

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
  /** Waiters for the media to be connected (or the connection to close, or a new session to attach). */
  readonly #connectedWaiters = new Set<() => void>();
  #session: CallSession | null = null;
  /** Bumped on every attach: a late answer of an older session is ignored. */
  #generation = 0;
  /** The session being set up, if any: repairs wait for it instead of racing it. */
  #attaching: Promise<void> | null = null;
  /** Producer changes run one after another, so a rejoin's re-publishing and a toggle never race. */
  #publishing: Promise<void> = Promise.resolve();
  #state: CallConnectionState = { status: 'connecting', lostSince: null, failed: false };
  #recovering = false;
  #disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  #stallTimer: ReturnType<typeof setInterval> | undefined;
  /** Nothing has been received for stallMs: the link is cut although ICE has not noticed yet. */
  #stalled = false;
  readonly #sendWatch: SendStallWatch;
  /** Our video encoders are stuck on a working link: only a new session (a rejoin) repairs that. */
  #sendStalled = false;
  /**
   * An ICE restart or a rejoin reached the server, which holds an outage for us until media:recovered.
   * Owed even when our state is connected again by then (media came back while the request was in
   * flight), or the other side would be told "restoring" for the rest of the call.
   */
  #recoveryOwed = false;
  #closed = false;

  constructor(client: ProtocolClient, joined: CallJoined, listeners: CallConnectionListeners, timings: Partial<RecoveryTimings> = {}) {
    this.#client = client;
    this.consultationId = joined.consultationId;
    this.#listeners = listeners;
    this.#timings = { ...DEFAULT_RECOVERY_TIMINGS, ...timings };
    this.#sendWatch = new SendStallWatch(this.#timings.sendStallMs);
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
      // Our socket is back during the call: drop consumers that ended meanwhile, repair what must be.
      client.on('call:resumable', ({ consultationId, consumerIds }) => {
        if (consultationId !== this.consultationId) return;
        this.#session?.keepOnly(consumerIds);
        this.#maybeRecover();
      }),
    );
    void this.#attach(joined);
    this.#watchForStalls();
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

  /**
   * Resolves once `source` has sent `frames` frames in the current session (waiting for the session
   * and the producer if need be), after `patienceMs`, or at once when the source is not published.
   */
  async framesSent(source: MediaSource, frames: number, patienceMs: number): Promise<void> {
    const deadline = Date.now() + patienceMs;
    while (!this.#closed && this.#published.has(source) && Date.now() < deadline) {
      const session = this.#session;
      if (session?.isPublishing(source)) return session.framesSent(source, frames, deadline - Date.now());
      await new Promise((resolve) => setTimeout(resolve, SENT_FRAMES_POLL_MS));
    }
  }

  async getStats(): Promise<RTCStatsReport[]> {
    return this.#session ? this.#session.getStats() : [];
  }

  async sentVideoStats(): Promise<SentVideoStats[]> {
    return this.#session ? this.#session.sentVideoStats() : [];
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#disconnectedTimer);
    clearInterval(this.#stallTimer);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#detach();
    this.#wakeWaiters();
  }

  // ── Attaching to the room ─────────────────────────────────────────────────

  #attach(joined: CallJoined): Promise<void> {
    const attaching = this.#attachSession(joined).finally(() => {
      if (this.#attaching === attaching) this.#attaching = null;
    });
    this.#attaching = attaching;
    this.#wakeWaiters(); // a repair under way turns to the new session at once
    return attaching;
  }

  async #attachSession(joined: CallJoined): Promise<void> {
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
    this.#sendStalled = false;
    this.#sendWatch.reset();
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
    return this.#session !== null && this.#client.socket.connected && !this.#stalled && !this.#sendStalled && this.#session.connectionState === 'connected';
  }

  #connected(): void {
    if (!this.#isConnected()) return;
    const { status, lostSince } = this.#state;
    this.#setState({ status: 'connected', lostSince: null, failed: false });
    this.#wakeWaiters();
    // Media flows (again): the server closes the outage it holds for us, with its gap, or records
    // the one only we saw. Also on the first connection of a page, which may follow a reload.
    if (status !== 'connected' || this.#recoveryOwed) {
      this.#recoveryOwed = false;
      const lostForMs = lostSince === null ? undefined : Math.min(3_600_000, Date.now() - lostSince);
      this.#client.request('media:recovered', { consultationId: this.consultationId, lostForMs }).catch(() => {});
    }
  }

  /** Media or signaling is gone (since `since`): say so and start repairing (once; the loop runs until connected). */
  #lost(since = Date.now()): void {
    if (this.#closed) return;
    if (this.#state.lostSince === null && this.#state.status !== 'connecting') {
      this.#setState({ status: 'reconnecting', lostSince: since, failed: false });
    }
    void this.#recover();
  }

  /**
   * A cut link shows first as silence: nothing received, while ICE still says connected for some
   * seconds. Reading the transports' received bytes every second notices it in stallMs. Only a link
   * that was carrying a steady flow can stall: with every stream paused (muted, cameras off) little
   * but occasional reports arrives, and that quiet is no outage.
   */
  #watchForStalls(): void {
    let received = -1;
    let progressAt = Date.now();
    let steadyChecks = 0;
    this.#stallTimer = setInterval(() => {
      const session = this.#session;
      if (!session || this.#state.status === 'connecting') return;
      void session.receivedSoFar().then(
        (total) => {
          if (this.#closed || session !== this.#session) return;
          const now = Date.now();
          if (total !== received) {
            received = total;
            progressAt = now;
            steadyChecks++;
            if (this.#stalled) {
              this.#stalled = false;
              this.#connected();
            }
          } else if (!this.#stalled && steadyChecks >= STEADY_CHECKS && now - progressAt >= this.#timings.stallMs) {
            steadyChecks = 0;
            this.#stalled = true;
            this.#lost(progressAt);
          } else if (now - progressAt >= this.#timings.stallMs) {
            steadyChecks = 0; // a quiet link, not a cut one
          }
        },
        () => {},
      );
      this.#watchSending(session);
    }, this.#timings.stallCheckMs);
  }

  /** Our encoders stuck while the link works (the SFU's media and reports arrive): replace the session. */
  #watchSending(session: CallSession): void {
    if (!this.#isConnected()) {
      this.#sendWatch.reset();
      return;
    }
    void session.sentVideoProgress().then(
      (progress) => {
        if (this.#closed || session !== this.#session || !this.#isConnected()) return;
        if (!this.#sendWatch.observe(Date.now(), progress)) return;
        console.warn(`[call] our video encoders have sent nothing for ${this.#timings.sendStallMs / 1000} s while the cameras deliver: joining the room again`);
        this.#sendStalled = true;
        this.#lost(Date.now() - this.#timings.sendStallMs);
      },
      () => {},
    );
  }

  #maybeRecover(): void {
    if (this.#state.lostSince !== null || this.#state.failed) void this.#recover();
  }

  async #recover(): Promise<void> {
    if (this.#recovering || this.#closed) return;
    this.#recovering = true;
    /** The session whose connection this loop has already given its chance to connect. */
    let given = this.#generation;
    // A session set up meanwhile (a rejoin, a room rebuilt after a worker died or the server
    // restarted) is let finish and connect first: an ICE restart or a rejoin under it would have its
    // requests land on the room's next participant (a second send transport: refused, a cycle lost).
    const newerSession = () => this.#attaching !== null || this.#generation !== given;
    try {
      for (let attempt = 0; !this.#closed && !this.#isConnected(); attempt++) {
        if (!newerSession()) await this.#sleep(backoffDelay(attempt, this.#timings));
        await this.#socketConnected();
        if (this.#closed || this.#isConnected()) break;
        if (newerSession()) {
          while (this.#attaching) await this.#attaching;
          given = this.#generation;
          if (await this.#waitConnected(this.#timings.rejoinWaitMs)) break;
        }
        // Stuck encoders heal neither by waiting nor by an ICE restart (the same connection): rejoin.
        if (!this.#sendStalled) {
          // A link that went quiet usually comes back as it was: give it a moment before restarting ICE.
          const failed = this.#session?.connectionState === 'failed';
          if (attempt === 0 && !failed && (await this.#waitConnected(this.#timings.selfHealWaitMs))) break;
          if (newerSession()) continue;
          if (await this.#restartIce()) break;
          if (this.#closed || this.#isConnected()) break;
          if (newerSession()) continue;
        }
        try {
          await this.#client.request('call:rejoin', { consultationId: this.consultationId });
          this.#recoveryOwed = true; // for the rejoin's session, however our state reads by then
        } catch (error) {
          console.warn('[call] rejoin refused:', error);
          continue;
        }
        // The rejoin's session (call:joined) attaches and gets its chance to connect here.
        await this.#waitConnected(this.#timings.rejoinWaitMs);
        if (!this.#attaching) given = this.#generation;
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
      await session.restartIce(Date.now() - (this.#state.lostSince ?? Date.now()), this.#stalled);
      this.#recoveryOwed = true; // a transport restarted after media came back opened a new outage
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
