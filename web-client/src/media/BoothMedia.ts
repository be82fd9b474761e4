import { loadCameraPrefs, resolveCameras } from './cameraPrefs.ts';
import { openCallMedia, stopTracks, type CallMedia } from './localMedia.ts';

type Device = CallMedia['failures'][number];
export type DeviceOpened = (what: Device, track: MediaStreamTrack) => void;

/**
 * The booth's microphone and cameras for the resident being served. Opened when the resident is near
 * the head of the queue (wantsBoothDevices), so that when the operator answers the cameras already
 * deliver frames and are sent at once: opening and checking a microphone and two cameras takes a
 * second or more on a tablet, which the operator would otherwise spend looking at a black picture.
 * Stopped when the resident leaves the queue or the call ends. Each call (a transfer's next one too)
 * borrows the tracks and never stops them.
 */
export class BoothMedia {
  readonly #opened = new Map<Device, MediaStreamTrack>();
  readonly #listeners = new Set<DeviceOpened>();
  readonly #media: Promise<CallMedia>;
  #closed = false;

  constructor() {
    const opened = (what: Device, track: MediaStreamTrack) => {
      if (this.#closed) return track.stop();
      this.#opened.set(what, track);
      for (const listener of this.#listeners) listener(what, track);
    };
    this.#media = openCallMedia((ids) => resolveCameras(ids, loadCameraPrefs()), opened);
  }

  /**
   * The devices for one call. `onOpened` hears at once of each device already open and of the others
   * as they open (the microphone first, then the face camera), so each is sent as soon as it can be.
   * Muting and turning the camera off belong to a call: the tracks come enabled.
   */
  async use(onOpened: DeviceOpened): Promise<CallMedia> {
    for (const [what, track] of this.#opened) {
      track.enabled = true;
      onOpened(what, track);
    }
    this.#listeners.add(onOpened);
    try {
      return await this.#media;
    } finally {
      this.#listeners.delete(onOpened);
    }
  }

  /** Stop every device, also those still opening (they stop as they open). */
  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    stopTracks(this.#opened.values());
    this.#opened.clear();
  }
}
