import type { MediaSource } from '@madoguchi/protocol';
import { CallConnection, LIVE_DOCUMENT_SIZE, type ProtocolClient, type PublishOptions, type RemoteTrack } from '@madoguchi/protocol/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CallJoined } from '../kioskState.ts';
import { loadCameraPrefs, resolveCameras } from './cameraPrefs.ts';
import { QualityMeter, type ConnectionQuality, type StatsEntry } from './connectionQuality.ts';
import { openCallMedia, stopTracks, type CallMedia } from './localMedia.ts';

/**
 * The document camera: a sharp picture of the papers matters more than motion. Its own budget at
 * high priority, and resolution kept (frame rate dropped) when bandwidth or CPU is short, so the
 * face camera gives way first on a weak uplink. Sent at up to Full HD; stills are full size.
 */
const DOCUMENT_PUBLISH: PublishOptions = {
  encodings: [{ maxBitrate: 2_500_000, priority: 'high', networkPriority: 'high' }],
  codecOptions: { videoGoogleStartBitrate: 1500 },
  degradationPreference: 'maintain-resolution',
  maxSentSize: LIVE_DOCUMENT_SIZE,
};

/**
 * The face camera in two simulcast layers (½ and full size): the SFU forwards what the operator's
 * link can take, and on a weak uplink the browser drops the top layer first. Two, not three:
 * Chromium encodes at most two layers of a 640×480 camera, and given three it drops the full-size one.
 */
const FACE_PUBLISH: PublishOptions = {
  encodings: [
    { rid: 'r0', scaleResolutionDownBy: 2, maxBitrate: 200_000, priority: 'low' },
    { rid: 'r1', scaleResolutionDownBy: 1, maxBitrate: 900_000, priority: 'low' },
  ],
  codecOptions: { videoGoogleStartBitrate: 1000 },
  degradationPreference: 'balanced',
};

/**
 * The document camera opens once the face has sent this many frames (half a second at 30 fps; longer
 * on a tablet whose processor is busy), or after the patience: the key frame that the SFU asks for
 * when the operator's console starts receiving the face comes within that time.
 */
const FACE_FRAMES_BEFORE_DOCUMENT = 15;
const FACE_BEFORE_DOCUMENT_PATIENCE_MS = 2_000;

/** How often the connection quality is sampled. */
const QUALITY_SAMPLE_MS = 2_000;
/**
 * A level is reported to the operator once it has held this long: the estimate of the uplink starts
 * low and ramps up in the first seconds of a call, which is no news for the operator.
 */
const QUALITY_REPORT_HOLD_MS = 4_000;

export interface CallMediaState {
  /** Remote tracks by consumer id. */
  remote: ReadonlyMap<string, RemoteTrack>;
  local: { face: MediaStreamTrack | null; document: MediaStreamTrack | null; mic: MediaStreamTrack | null };
  /** The cameras and microphone have been opened (and checked): `local` is what this call has. */
  devicesOpened: boolean;
  /** connecting → connected; 'disconnected' while an outage is being repaired. */
  connection: RTCPeerConnectionState;
  /** When the current outage began (this tablet's clock), null when connected. */
  lostSince: number | null;
  /** The media session could not be set up, or a camera/microphone could not be opened. */
  mediaError: 'session' | 'devices' | null;
  muted: boolean;
  toggleMute(): void;
  /** The resident turned their face camera off: nothing of it is sent. */
  faceOff: boolean;
  toggleFace(): void;
  /** From the transports' and the cameras' senders' statistics while connected; null until measured. */
  quality: ConnectionQuality | null;
}

/**
 * The media of one call, tied to the component's lifetime: on mount it opens the microphone and
 * cameras, opens the CallConnection (which rides out outages: ICE restart, rejoin) and publishes
 * mic/face/document; on unmount (the call ended, or the offer it was prepared for went unanswered)
 * it closes the connection and stops every local track, whatever stage the setup had reached.
 * It mounts when the tablet enters the room, which is while the operator's console rings.
 */
export function useCallSession(client: ProtocolClient, call: CallJoined): CallMediaState {
  const [remote, setRemote] = useState<ReadonlyMap<string, RemoteTrack>>(new Map());
  const [local, setLocal] = useState<CallMediaState['local']>({ face: null, document: null, mic: null });
  const [devicesOpened, setDevicesOpened] = useState(false);
  const [connection, setConnection] = useState<RTCPeerConnectionState>('new');
  const [lostSince, setLostSince] = useState<number | null>(null);
  const [mediaError, setMediaError] = useState<CallMediaState['mediaError']>(null);
  const [muted, setMuted] = useState(false);
  const [faceOff, setFaceOff] = useState(false);
  const [quality, setQuality] = useState<ConnectionQuality | null>(null);
  const sessionRef = useRef<CallConnection | null>(null);
  const micRef = useRef<MediaStreamTrack | null>(null);
  const faceRef = useRef<MediaStreamTrack | null>(null);
  const mutedRef = useRef(false);
  const faceOffRef = useRef(false);

  const { consultationId } = call;
  const callRef = useRef(call);
  callRef.current = call;

  useEffect(() => {
    let disposed = false;
    let media: CallMedia | null = null;
    const session = new CallConnection(client, callRef.current, {
      onTrack: (track) => setRemote((previous) => new Map(previous).set(track.consumerId, track)),
      onTrackEnded: (consumerId) =>
        setRemote((previous) => {
          const next = new Map(previous);
          next.delete(consumerId);
          return next;
        }),
      onState: (state) => {
        setConnection(state.status === 'connected' ? 'connected' : state.status === 'connecting' ? 'connecting' : 'disconnected');
        setLostSince(state.lostSince);
        setMediaError((previous) => (state.failed ? 'session' : previous === 'session' ? null : previous));
      },
    });
    sessionRef.current = session;

    const setup = async () => {
      // Each device is sent as soon as it is open, in the order opened (the microphone first).
      let sending = Promise.resolve();
      const publish = (source: MediaSource, track: MediaStreamTrack, options: PublishOptions = {}) => {
        sending = sending.then(async () => {
          if (disposed || (source === 'face' && faceOffRef.current)) return;
          try {
            await session.publish(source, track, options);
          } catch (error) {
            // Kept by the connection and sent again once it is repaired; the call goes on.
            if (!disposed) console.warn(`[call] cannot send ${source} now:`, error);
          }
        });
      };
      const publishOptions = (what: CallMedia['failures'][number]) => (what === 'face' ? FACE_PUBLISH : what === 'document' ? DOCUMENT_PUBLISH : {});
      // The face first, the papers after it: opening and encoding a document camera at the same
      // moment held back the face's first frames, and the key frame the operator's side waits for,
      // by over a second on a busy tablet.
      const faceOnItsWay = async () => {
        await sending;
        await session.framesSent('face', FACE_FRAMES_BEFORE_DOCUMENT, FACE_BEFORE_DOCUMENT_PATIENCE_MS);
      };
      const opened = await openCallMedia(
        (ids) => resolveCameras(ids, loadCameraPrefs()),
        (what, track) => publish(what, track, publishOptions(what)),
        faceOnItsWay,
      );
      media = opened;
      if (disposed) {
        stopTracks([opened.mic, opened.face, opened.document]);
        return;
      }
      micRef.current = opened.mic;
      faceRef.current = opened.face;
      setLocal({ face: opened.face, document: opened.document, mic: opened.mic });
      setDevicesOpened(true);
      if (opened.failures.length > 0) setMediaError('devices');
      await sending;
    };
    void setup();

    return () => {
      disposed = true;
      sessionRef.current = null;
      micRef.current = null;
      faceRef.current = null;
      session.close();
      const opened = media as CallMedia | null;
      if (opened) stopTracks([opened.mic, opened.face, opened.document]);
    };
  }, [client, consultationId]);

  const toggleMute = useCallback(() => {
    const nextMuted = !mutedRef.current;
    mutedRef.current = nextMuted;
    setMuted(nextMuted);
    if (micRef.current) micRef.current.enabled = !nextMuted;
    sessionRef.current?.setPaused('mic', nextMuted).catch((error: unknown) => {
      console.warn('[call] cannot change mute on the server:', error);
    });
  }, []);

  /**
   * Camera off closes the face producer (the operator's tile empties, no black frames travel) and
   * disables the track; camera on publishes it again.
   */
  const toggleFace = useCallback(() => {
    const off = !faceOffRef.current;
    faceOffRef.current = off;
    setFaceOff(off);
    const track = faceRef.current;
    if (track) track.enabled = !off;
    const session = sessionRef.current;
    if (!session || !track) return;
    const change = off ? session.unpublish('face') : session.publish('face', track, FACE_PUBLISH);
    change.catch((error: unknown) => console.warn('[call] cannot change the face camera:', error));
  }, []);

  // Sample the transports while connected; the meter keeps its counters for this call only.
  useEffect(() => {
    if (connection !== 'connected') {
      setQuality(null);
      return;
    }
    const meter = new QualityMeter();
    let stopped = false;
    const sample = () => {
      const session = sessionRef.current;
      if (!session) return;
      Promise.all([session.getStats(), session.sentVideoStats()])
        .then(([reports, sent]) => {
          if (stopped) return;
          const entries = (report: RTCStatsReport) => [...report.values()] as StatsEntry[];
          const sentVideos = sent.map(({ source, report }) => ({ source, entries: entries(report) }));
          setQuality(meter.update(reports.map(entries), sentVideos));
        })
        .catch(() => {});
    };
    sample();
    const timer = setInterval(sample, QUALITY_SAMPLE_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [connection]);

  // The operator is told how this tablet's connection stands: a weak uplink is seen first by its sender.
  useEffect(() => {
    if (quality === null) return;
    const timer = setTimeout(() => {
      client.request('media:quality', { consultationId, quality }).catch(() => {});
    }, QUALITY_REPORT_HOLD_MS);
    return () => clearTimeout(timer);
  }, [client, consultationId, quality]);

  return { remote, local, devicesOpened, connection, lostSince, mediaError, muted, toggleMute, faceOff, toggleFace, quality };
}
