import { describe, expect, it } from 'vitest';
import { downscaleToFit, LIVE_DOCUMENT_SIZE } from '../src/client/CallSession.ts';

describe('downscaleToFit: the factor that sends a captured picture within a size', () => {
  it('halves a 4K document camera to Full HD', () => {
    expect(downscaleToFit({ width: 3840, height: 2160 }, LIVE_DOCUMENT_SIZE)).toBe(2);
  });

  it('leaves a Full HD or smaller camera alone (never scales up)', () => {
    expect(downscaleToFit({ width: 1920, height: 1080 }, LIVE_DOCUMENT_SIZE)).toBe(1);
    expect(downscaleToFit({ width: 640, height: 480 }, LIVE_DOCUMENT_SIZE)).toBe(1);
  });

  it('fits a camera turned on its side by its long and short sides', () => {
    expect(downscaleToFit({ width: 2160, height: 3840 }, LIVE_DOCUMENT_SIZE)).toBe(2);
  });

  it('fits both sides of a 4:3 picture: the short side decides', () => {
    // 4000×3000 → the long side asks for 2.08, the short side for 2.78; 1440×1080 is what is sent.
    const scale = downscaleToFit({ width: 4000, height: 3000 }, LIVE_DOCUMENT_SIZE);
    expect(scale).toBeCloseTo(3000 / 1080, 6);
    expect(Math.round(3000 / scale)).toBe(1080);
    expect(Math.round(4000 / scale)).toBeLessThanOrEqual(1920);
  });

  it('sends a track whose size is not known yet as it is', () => {
    expect(downscaleToFit({}, LIVE_DOCUMENT_SIZE)).toBe(1);
  });
});
