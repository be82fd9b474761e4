import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StandbyMedia } from '../src/media/localMedia.ts';

/** A device track as far as StandbyMedia looks at it. */
class FakeTrack {
  readyState: 'live' | 'ended' = 'live';
  enabled = true;
  contentHint = '';
  constructor(readonly kind: 'audio' | 'video') {}
  stop() {
    this.readyState = 'ended';
  }
}

let opened: FakeTrack[];
let pending: (() => void)[];
let holdOpening: boolean;

beforeEach(() => {
  opened = [];
  pending = [];
  holdOpening = false;
  const getUserMedia = (constraints: MediaStreamConstraints) => {
    const track = new FakeTrack(constraints.audio ? 'audio' : 'video');
    opened.push(track);
    const stream = { getAudioTracks: () => (track.kind === 'audio' ? [track] : []), getVideoTracks: () => (track.kind === 'video' ? [track] : []) };
    if (!holdOpening) return Promise.resolve(stream);
    return new Promise((resolve) => pending.push(() => resolve(stream)));
  };
  vi.stubGlobal('navigator', { mediaDevices: { getUserMedia } });
});
afterEach(() => vi.unstubAllGlobals());

const live = () => opened.filter((track) => track.readyState === 'live');

describe('StandbyMedia: the operator’s devices between calls', () => {
  it('opens the microphone and camera once and lends the same tracks to every call', async () => {
    const standby = new StandbyMedia();
    standby.warm();
    const first = await standby.acquire();
    const second = await standby.acquire();
    expect(opened).toHaveLength(2);
    expect(second.mic).toBe(first.mic);
    expect(second.cam).toBe(first.cam);
    expect(first.missing).toEqual([]);
  });

  it('gives the microphone back unmuted: muting belongs to the call', async () => {
    const standby = new StandbyMedia();
    const media = await standby.acquire();
    media.mic!.enabled = false;
    expect((await standby.acquire()).mic!.enabled).toBe(true);
  });

  it('stops every device on release and opens new ones for the next call', async () => {
    const standby = new StandbyMedia();
    await standby.acquire();
    standby.release();
    expect(live()).toHaveLength(0);
    await standby.acquire();
    expect(opened).toHaveLength(4);
    expect(live()).toHaveLength(2);
  });

  it('stops devices that finish opening after the release (離席 pressed while the camera was opening)', async () => {
    holdOpening = true;
    const standby = new StandbyMedia();
    standby.warm();
    standby.release();
    for (const resolve of pending) resolve();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(opened).toHaveLength(2);
    expect(live()).toHaveLength(0);
  });

  it('opens the devices again when one has ended (a camera unplugged and plugged back)', async () => {
    const standby = new StandbyMedia();
    const first = await standby.acquire();
    (first.cam as unknown as FakeTrack).readyState = 'ended';
    const second = await standby.acquire();
    expect(second.cam).not.toBe(first.cam);
    expect((first.mic as unknown as FakeTrack).readyState).toBe('ended');
    expect(live()).toHaveLength(2);
  });
});
