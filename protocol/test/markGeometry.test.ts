import { describe, expect, it } from 'vitest';
import { MarkDrawing, type FramePoint } from '../src/annotation.ts';
import { markPath, MarkSketch, toBox, toFrame, type PicturePlacement } from '../src/client/markGeometry.ts';

const HD = { width: 1920, height: 1080 };
const SIZES = { line: 3, dotRadius: 6, arrowHead: 12 };

/** Round trip: a frame point drawn somewhere in the box comes back as the same frame point. */
function expectRoundTrip(point: FramePoint, placement: PicturePlacement) {
  const back = toFrame(toBox(point, placement), placement)!;
  expect(back[0]).toBeCloseTo(point[0], 3);
  expect(back[1]).toBeCloseTo(point[1], 3);
}

describe('marks placed on a picture drawn object-fit: contain, zoomed, panned, turned', () => {
  it('letterboxes: a 16:9 frame in a 4:3 box has bands above and below', () => {
    const placement = { box: { width: 800, height: 600 }, frame: HD };
    // 800 wide → 450 high, so 75 px bands above and below.
    expect(toBox([0, 0], placement)).toEqual({ x: 0, y: 75 });
    expect(toBox([1, 1], placement)).toEqual({ x: 800, y: 525 });
    expect(toBox([0.5, 0.5], placement)).toEqual({ x: 400, y: 300 });
    // A point in the band is clamped to the frame's edge.
    expect(toFrame({ x: 400, y: 10 }, placement)).toEqual([0.5, 0]);
  });

  it('pillarboxes: a 4:3 frame in a wide box has bands left and right', () => {
    const placement = { box: { width: 1000, height: 300 }, frame: { width: 640, height: 480 } };
    expect(toBox([0, 0], placement)).toEqual({ x: 300, y: 0 });
    expect(toFrame({ x: 700, y: 300 }, placement)).toEqual([1, 1]);
  });

  it('zooms around the centre and pans by CSS pixels', () => {
    const placement = { box: { width: 800, height: 450 }, frame: HD, view: { zoom: 2, x: -100, y: 50 } };
    expect(toBox([0.5, 0.5], placement)).toEqual({ x: 300, y: 275 });
    // The frame's left edge is 800 px left of the centre at 200 %, then moved 100 px further left.
    expect(toBox([0, 0.5], placement).x).toBe(400 - 800 - 100);
    expectRoundTrip([0.31, 0.77], placement);
  });

  it('turns clockwise a quarter at a time, fitting the turned proportions', () => {
    const box = { width: 800, height: 450 };
    const quarter = { box, frame: HD, quarterTurns: 1 };
    // Turned on its side the 1920×1080 frame is 1080 wide and 1920 high: it fits 450 high, 253.1 wide.
    const scale = 450 / 1920;
    // The frame's top left corner goes to the top right.
    const topLeft = toBox([0, 0], quarter);
    expect(topLeft.x).toBeCloseTo(400 + (1080 / 2) * scale);
    expect(topLeft.y).toBeCloseTo(0);
    const half = toBox([1, 0], { box, frame: HD, quarterTurns: 2 });
    expect(half).toEqual({ x: 0, y: 450 });
    for (const quarterTurns of [0, 1, 2, 3]) expectRoundTrip([0.2, 0.9], { box, frame: HD, quarterTurns, view: { zoom: 1.5, x: 20, y: -30 } });
  });

  it('mirrors left to right before turning', () => {
    const placement = { box: { width: 800, height: 450 }, frame: HD, mirrored: true };
    expect(toBox([0, 0], placement)).toEqual({ x: 800, y: 0 });
    expectRoundTrip([0.1, 0.4], { ...placement, quarterTurns: 3 });
  });

  it('has no point before the first frame', () => {
    expect(toFrame({ x: 1, y: 1 }, { box: { width: 800, height: 450 }, frame: { width: 0, height: 0 } })).toBeNull();
  });
});

describe('mark paths (SVG path data, also a canvas Path2D)', () => {
  const identity = ([x, y]: FramePoint) => ({ x: x * 100, y: y * 100 });

  it('draws a circle as the ellipse filling the box between its two corners', () => {
    expect(markPath({ kind: 'circle', colour: 'red', points: [[0.1, 0.2], [0.5, 0.4]] }, identity, SIZES)).toEqual({
      d: 'M 10 30 a 20 10 0 1 0 40 0 a 20 10 0 1 0 -40 0 Z',
      filled: false,
    });
  });

  it('draws a dot filled, an arrow with its head at the second point, a stroke through its points', () => {
    expect(markPath({ kind: 'dot', colour: 'blue', points: [[0.5, 0.5]] }, identity, SIZES)).toEqual({
      d: 'M 44 50 a 6 6 0 1 0 12 0 a 6 6 0 1 0 -12 0 Z',
      filled: true,
    });
    expect(markPath({ kind: 'arrow', colour: 'green', points: [[0, 0], [1, 0]] }, identity, SIZES).d).toBe('M 0 0 L 100 0 M 89.2 -5.2 L 100 0 L 89.2 5.2');
    expect(markPath({ kind: 'freehand', colour: 'orange', points: [[0, 0], [0.1, 0.2], [0.3, 0.3]] }, identity, SIZES).d).toBe('M 0 0 L 10 20 L 30 30');
  });
});

describe('drawing a mark with a pointer', () => {
  it('makes a freehand tap a dot, and a tap of the circle tool nothing', () => {
    const tap = new MarkSketch('freehand', 'red', [0.5, 0.5]);
    tap.extend([0.501, 0.5]);
    expect(tap.drawing).toEqual({ kind: 'dot', colour: 'red', points: [[0.5, 0.5]] });
    const circle = new MarkSketch('circle', 'blue', [0.5, 0.5]);
    expect(circle.drawing).toBeNull();
    circle.extend([0.3, 0.6]);
    circle.extend([0.7, 0.6]);
    expect(circle.drawing).toEqual({ kind: 'circle', colour: 'blue', points: [[0.5, 0.5], [0.7, 0.6]] });
  });

  it('keeps a long stroke within what the server accepts', () => {
    const stroke = new MarkSketch('freehand', 'green', [0, 0]);
    for (let i = 1; i <= 1000; i++) stroke.extend([i / 1000, (i % 50) / 100]);
    const drawing = stroke.drawing!;
    expect(drawing.points.length).toBeLessThanOrEqual(200);
    expect(MarkDrawing.safeParse(drawing).success).toBe(true);
  });
});
