import { describe, expect, it } from 'vitest';
import { PreparedCallMedia, type CallMedia } from '../src/media/localMedia.ts';

/** A track that only records whether it was stopped. */
function fakeTrack(): MediaStreamTrack & { stopped: boolean } {
  const track = { stopped: false, stop: () => (track.stopped = true) };
  return track as unknown as MediaStreamTrack & { stopped: boolean };
}

function devices() {
  const mic = fakeTrack();
  const face = fakeTrack();
  const media: CallMedia = { mic, face, document: null, failures: ['document'] };
  let open!: (media: CallMedia) => void;
  const opening = new Promise<CallMedia>((resolve) => (open = resolve));
  return { mic, face, media, opening, open: () => open(media) };
}

describe('devices opened while the console rings', () => {
  it('go to the call that takes them, once; a second taker opens its own', async () => {
    const { media, opening, open } = devices();
    const prepared = new PreparedCallMedia(() => opening);
    const taken = prepared.take();
    expect(prepared.take()).toBeNull();
    open();
    expect(await taken).toBe(media);
  });

  it('are not stopped by release() once a call took them: the call owns them', async () => {
    const { mic, face, opening, open } = devices();
    const prepared = new PreparedCallMedia(() => opening);
    const taken = prepared.take();
    prepared.release();
    open();
    await taken;
    await Promise.resolve();
    expect([mic.stopped, face.stopped]).toEqual([false, false]);
  });

  it('are stopped when released before any call took them, also if they were still opening', async () => {
    const { mic, face, opening, open } = devices();
    const prepared = new PreparedCallMedia(() => opening);
    prepared.release();
    expect(prepared.take()).toBeNull();
    expect(mic.stopped).toBe(false);
    open();
    await opening;
    await Promise.resolve();
    expect([mic.stopped, face.stopped]).toEqual([true, true]);
  });
});
