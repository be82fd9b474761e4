import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** A device track as far as the booth's media code looks at it. */
class FakeTrack {
  readyState: 'live' | 'ended' = 'live';
  enabled = true;
  contentHint = '';
  constructor(
    readonly kind: 'audio' | 'video',
    readonly deviceId: string,
  ) {}
  getSettings() {
    return { deviceId: this.deviceId };
  }
  stop() {
    this.readyState = 'ended';
  }
}

const CAMERAS = ['face-cam', 'document-cam'];
let opened: FakeTrack[];
let release: (() => void) | null;

beforeEach(() => {
  opened = [];
  release = null;
  /** The document camera opens only when the test lets it: a slow 4K camera. */
  const documentCameraOpens = new Promise<void>((resolve) => (release = resolve));
  const storage = new Map<string, string>([
    ['madoguchi.cameras', JSON.stringify({ faceDeviceId: 'face-cam', documentDeviceId: 'document-cam' })],
    // Both cameras were seen sending a picture before: no in-page check.
    ['madoguchi.kiosk.camerasThatSend', JSON.stringify(CAMERAS)],
  ]);
  vi.stubGlobal('localStorage', { getItem: (key: string) => storage.get(key) ?? null, setItem: (key: string, value: string) => storage.set(key, value) });
  vi.stubGlobal('MediaStreamTrack', FakeTrack);
  vi.stubGlobal('navigator', {
    mediaDevices: {
      enumerateDevices: async () => CAMERAS.map((deviceId) => ({ kind: 'videoinput', deviceId, label: deviceId })),
      getUserMedia: async (constraints: { audio?: unknown; video?: { deviceId: { exact: string } } }) => {
        const deviceId = constraints.video?.deviceId.exact ?? 'mic';
        if (deviceId === 'document-cam') await documentCameraOpens;
        const track = new FakeTrack(constraints.audio ? 'audio' : 'video', deviceId);
        opened.push(track);
        return { getAudioTracks: () => (track.kind === 'audio' ? [track] : []), getVideoTracks: () => (track.kind === 'video' ? [track] : []) };
      },
    },
  });
  vi.resetModules();
});
afterEach(() => vi.unstubAllGlobals());

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const loadBoothMedia = async () => (await import('../src/media/BoothMedia.ts')).BoothMedia;

describe('BoothMedia: the resident’s devices from the queue to the end of the call', () => {
  it('hands a call the devices already open at once and the others as they open', async () => {
    const BoothMedia = await loadBoothMedia();
    const booth = new BoothMedia();
    await settle();
    const heard: string[] = [];
    const media = booth.use((what) => heard.push(what));
    await settle();
    expect(heard).toEqual(['mic', 'face']);
    release!();
    expect(await media).toMatchObject({ failures: [] });
    expect(heard).toEqual(['mic', 'face', 'document']);
    booth.close();
  });

  it('lends the same tracks to the next call (a transfer), enabled again', async () => {
    const BoothMedia = await loadBoothMedia();
    const booth = new BoothMedia();
    release!();
    const first = await booth.use(() => {});
    first.mic!.enabled = false;
    first.face!.enabled = false;
    const second = await booth.use(() => {});
    expect(second.mic).toBe(first.mic);
    expect(second.mic!.enabled).toBe(true);
    expect(second.face!.enabled).toBe(true);
    expect(opened).toHaveLength(3);
    booth.close();
  });

  it('stops every device on close, also one that finishes opening afterwards', async () => {
    const BoothMedia = await loadBoothMedia();
    const booth = new BoothMedia();
    await settle();
    booth.close();
    release!();
    await settle();
    await settle();
    expect(opened.map((track) => track.deviceId)).toEqual(['mic', 'face-cam', 'document-cam']);
    expect(opened.every((track) => track.readyState === 'ended')).toBe(true);
  });
});
