import { describe, expect, it } from 'vitest';
import { clampView, containedSize, WHOLE_PICTURE, zoomAround } from '../src/client/pictureView.ts';

const LIMITS = { min: 1, max: 4 };
const FRAME = { width: 800, height: 600 };

describe('zoom and pan of a picture, shared by the tablet and the console', () => {
  it('zooms around a point and keeps that point where it was', () => {
    const zoomed = zoomAround(WHOLE_PICTURE, 2, 100, 50, LIMITS);
    expect(zoomed).toEqual({ zoom: 2, x: -100, y: -50 });
    expect(zoomAround(zoomed, 10, 0, 0, LIMITS).zoom).toBe(4);
  });

  it('never pans past the picture’s edges, and the whole picture cannot move', () => {
    expect(clampView({ zoom: 2, x: 1000, y: -1000 }, FRAME, LIMITS)).toEqual({ zoom: 2, x: 400, y: -300 });
    expect(clampView({ zoom: 1, x: 50, y: 50 }, FRAME, LIMITS)).toEqual({ zoom: 1, x: 0, y: 0 });
  });

  it('says how large a frame is drawn with object-fit: contain', () => {
    expect(containedSize({ width: 764, height: 534 }, { width: 1920, height: 1080 })).toEqual({ width: 764, height: 430 });
    expect(containedSize({ width: 796, height: 300 }, { width: 1920, height: 1080 })).toEqual({ width: 533, height: 300 });
    expect(containedSize({ width: 796, height: 300 }, { width: 0, height: 0 })).toEqual({ width: 0, height: 0 });
  });
});
