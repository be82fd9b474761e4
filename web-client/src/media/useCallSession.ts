import type { MediaSource } from '@madoguchi/protocol';
import { CallSession, type ProtocolClient, type PublishOptions, type RemoteTrack } from '@madoguchi/protocol/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CallJoined } from '../kioskState.ts';
import { loadCameraPrefs, resolveCameras } from './cameraPrefs.ts';
import { QualityMeter, type ConnectionQuality, type StatsEntry } from './connectionQuality.ts';
import { openCallMedia, stopTracks, type CallMedia } from './localMedia.ts';

/**
 * The document camera: a sharp picture of the papers matters more than motion. Its own budget at
 * high priority, and resolution kept (frame rate dropped) when bandwidth or CPU is short, so the
 * face camera gives way first on a weak uplink.
 */
const DOCUMENT_PUBLISH: PublishOptions = {
  encodings: [{ maxBitrate: 4_000_000, priority: 'high', networkPriority: 'high' }],
  codecOptions: { videoGoogleStartBitrate: 1500 },
  degradationPreference: 'maintain-resolution',
};

/**
 * The face camera in three simulcast layers (¼, ½, full size): the SFU forwards what the
 * operator's link can take, and on a weak uplink the browser drops the top layers first.
 */
const FACE_PUBLISH: PublishOptions = {
  encodings: [
    { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 120_000, priority: 'low' },
    { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 350_000, priority: 'low' },
    { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 900_000, priority: 'low' },
  ],
  codecOptions: { videoGoogleStartBitrate: 1000 },
  degradationPreference: 'balanced',
};

/** How often the connection quality is sampled. */
const QUALITY_SAMPLE_MS = 2_000;

export interface CallMediaState {
  /** Remote tracks by consumer id. */
  remote: ReadonlyMap<string, RemoteTrack>;
  local: { face: MediaStreamTrack | null; document: MediaStreamTrack | null; mic: MediaStreamTrack | null };
  connection: RTCPeerConnectionState;
  /** The media session could not be set up, or a camera/microphone could not be opened. */
  mediaError: 'session' | 'devices' | null;
  muted: boolean;
  toggleMute(): void;
  /** The resident turned their face camera off: nothing of it is sent. */
  faceOff: boolean;
  toggleFace(): void;
  /** From the transports' statistics while connected; null until measured. */
  quality: ConnectionQuality | null;
}

/**
 * The media of one call, tied to the component's lifetime: on mount it opens the microphone and
 * cameras, starts the CallSession and publishes mic/face/document; on unmount (the call ended) it
 * closes the session and stops every local track, whatever stage the setup had reached.
 */
export function useCallSession(client: ProtocolClient, call: CallJoined): CallMediaState {
  const [remote, setRemote] = useState<ReadonlyMap<string, RemoteTrack>>(new Map());
  const [local, setLocal] = useState<CallMediaState['local']>({ face: null, document: null, mic: null });
  const [connection, setConnection] = useState<RTCPeerConnectionState>('new');
  const [mediaError, setMediaError] = useState<CallMediaState['mediaError']>(null);
  const [muted, setMuted] = useState(false);
  const [faceOff, setFaceOff] = useState(false);
  const [quality, setQuality] = useState<ConnectionQuality | null>(null);
  const sessionRef = useRef<CallSession | null>(null);
  const micRef = useRef<MediaStreamTrack | null>(null);
  const faceRef = useRef<MediaStreamTrack | null>(null);
  const mutedRef = useRef(false);
  const faceOffRef = useRef(false);

  const { consultationId } = call;
  const callRef = useRef(call);
  callRef.current = call;

  useEffect(() => {
    let disposed = false;
    let session: CallSession | null = null;
    let media: CallMedia | null = null;

    const setup = async () => {
      const mediaPromise = openCallMedia((ids) => resolveCameras(ids, loadCameraPrefs()));
      const sessionPromise = CallSession.start(client, callRef.current, {
        onTrack: (track) => {
          if (!disposed) setRemote((previous) => new Map(previous).set(track.consumerId, track));
        },
        onTrackEnded: (consumerId) => {
          if (disposed) return;
          setRemote((previous) => {
            const next = new Map(previous);
            next.delete(consumerId);
            return next;
          });
        },
        onConnectionState: (state) => {
          if (!disposed) setConnection(state);
        },
      });
      // Both in parallel; whichever finishes after the call is gone is released at once.
      void mediaPromise.then((opened) => {
        media = opened;
        if (disposed) stopTracks([opened.mic, opened.face, opened.document]);
      });
      void sessionPromise.then(
        (started) => {
          session = started;
          if (disposed) started.close();
        },
        () => {},
      );

      const opened = await mediaPromise;
      if (disposed) return;
      micRef.current = opened.mic;
      faceRef.current = opened.face;
      setLocal({ face: opened.face, document: opened.document, mic: opened.mic });
      if (opened.failures.length > 0) setMediaError('devices');

      let started: CallSession;
      try {
        started = await sessionPromise;
      } catch (error) {
        console.error('[call] media session failed:', error);
        if (!disposed) {
          setMediaError('session');
          setConnection('failed');
        }
        return;
      }
      if (disposed) return;
      sessionRef.current = started;

      const publish = async (source: MediaSource, track: MediaStreamTrack | null, options: PublishOptions = {}) => {
        if (!track || disposed) return;
        try {
          await started.publish(source, track, options);
        } catch (error) {
          if (disposed) return; // the call ended while this was being set up
          console.error(`[call] cannot send ${source}:`, error);
          setMediaError('session');
        }
      };
      await publish('mic', opened.mic);
      if (!faceOffRef.current) await publish('face', opened.face, FACE_PUBLISH);
      await publish('document', opened.document, DOCUMENT_PUBLISH);
    };
    void setup();

    return () => {
      disposed = true;
      sessionRef.current = null;
      micRef.current = null;
      faceRef.current = null;
      session?.close();
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
      sessionRef.current
        ?.getStats()
        .then((reports) => {
          if (!stopped) setQuality(meter.update(reports.map((report) => [...report.values()] as StatsEntry[])));
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

  return { remote, local, connection, mediaError, muted, toggleMute, faceOff, toggleFace, quality };
}
