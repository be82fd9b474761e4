import { describe, expect, it } from 'vitest';
import { cameraCandidates, resolveCameras } from '../src/media/cameraPrefs.ts';

describe('resolveCameras', () => {
  it('defaults to first = face, second = document', () => {
    expect(resolveCameras(['a', 'b', 'c'], null)).toEqual({ face: 'a', document: 'b' });
  });

  it('has no document stream with a single camera', () => {
    expect(resolveCameras(['a'], null)).toEqual({ face: 'a', document: null });
    expect(resolveCameras([], null)).toEqual({ face: null, document: null });
  });

  it('uses the saved choice', () => {
    expect(resolveCameras(['a', 'b', 'c'], { faceDeviceId: 'c', documentDeviceId: 'a' })).toEqual({
      face: 'c',
      document: 'a',
    });
  });

  it('keeps an explicit "no document camera"', () => {
    expect(resolveCameras(['a', 'b'], { faceDeviceId: 'b', documentDeviceId: null })).toEqual({
      face: 'b',
      document: null,
    });
  });

  it('falls back when a saved camera is unplugged', () => {
    expect(resolveCameras(['a', 'b'], { faceDeviceId: 'gone', documentDeviceId: 'b' })).toEqual({
      face: 'a',
      document: 'b',
    });
    expect(resolveCameras(['a', 'b'], { faceDeviceId: 'b', documentDeviceId: 'gone' })).toEqual({
      face: 'b',
      document: 'a',
    });
  });

  it('never uses one camera for both', () => {
    expect(resolveCameras(['a', 'b'], { faceDeviceId: 'a', documentDeviceId: 'a' })).toEqual({
      face: 'a',
      document: 'b',
    });
  });
});

describe('cameraCandidates', () => {
  it('tries the chosen camera first, then the others, never the other role’s', () => {
    expect(cameraCandidates(['a', 'b', 'c'], 'b', 'a')).toEqual(['b', 'c']);
    expect(cameraCandidates(['a', 'b', 'c'], 'a', 'c')).toEqual(['a', 'b']);
    expect(cameraCandidates(['a', 'b'], 'b', 'a')).toEqual(['b']);
    expect(cameraCandidates(['a', 'b', 'c'], 'a', null)).toEqual(['a', 'b', 'c']);
  });
});
