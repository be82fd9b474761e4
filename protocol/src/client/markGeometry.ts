import { ANNOTATION_LIMITS, type FramePoint, type MarkColour, type MarkDrawing, type MarkKind } from '../annotation.ts';
import { WHOLE_PICTURE, type PictureView, type Size } from './pictureView.ts';

/**
 * Where marks go on screen, shared by the console and the tablet. A picture is drawn in a box with
 * `object-fit: contain`, then turned by quarter turns (clockwise), optionally mirrored, zoomed and
 * panned around the box's centre — what `pictureTransform` does in CSS. Marks travel as points of
 * the source frame (0..1); each screen maps them through its own placement, both ways.
 */
export interface PicturePlacement {
  /** The element's box, CSS pixels. */
  box: Size;
  /** The source frame (videoWidth × videoHeight). */
  frame: Size;
  view?: PictureView;
  /** Clockwise quarter turns of the picture on this screen (0–3). */
  quarterTurns?: number;
  /** Flipped left to right before turning (a mirror preview). */
  mirrored?: boolean;
}

/** A point of the box, CSS pixels from its top left. */
export interface BoxPoint {
  x: number;
  y: number;
}

const turnsOf = (placement: PicturePlacement) => (((placement.quarterTurns ?? 0) % 4) + 4) % 4;

/** One clockwise quarter turn on screen (y grows downwards): right becomes down. */
function turn(x: number, y: number, quarterTurns: number): [number, number] {
  let [tx, ty] = [x, y];
  for (let i = 0; i < quarterTurns; i++) [tx, ty] = [-ty, tx];
  return [tx, ty];
}

/** CSS pixels per source pixel: contain-fitting of the turned frame, times the zoom. */
function scaleOf(placement: PicturePlacement): number {
  const { box, frame } = placement;
  if (frame.width <= 0 || frame.height <= 0) return 0;
  const [width, height] = turnsOf(placement) % 2 ? [frame.height, frame.width] : [frame.width, frame.height];
  return Math.min(box.width / width, box.height / height) * (placement.view ?? WHOLE_PICTURE).zoom;
}

/** Where a point of the source frame is drawn in the box. */
export function toBox([u, v]: FramePoint, placement: PicturePlacement): BoxPoint {
  const { box, frame, mirrored } = placement;
  const view = placement.view ?? WHOLE_PICTURE;
  const scale = scaleOf(placement);
  const [x, y] = turn((mirrored ? 0.5 - u : u - 0.5) * frame.width, (v - 0.5) * frame.height, turnsOf(placement));
  return { x: box.width / 2 + view.x + x * scale, y: box.height / 2 + view.y + y * scale };
}

/** The point of the source frame under a point of the box, kept inside the frame; null before the picture has a size. */
export function toFrame({ x, y }: BoxPoint, placement: PicturePlacement): FramePoint | null {
  const { box, frame, mirrored } = placement;
  const view = placement.view ?? WHOLE_PICTURE;
  const scale = scaleOf(placement);
  if (scale === 0) return null;
  const [fx, fy] = turn((x - box.width / 2 - view.x) / scale, (y - box.height / 2 - view.y) / scale, 4 - turnsOf(placement));
  const u = fx / frame.width + 0.5;
  return [clampUnit(mirrored ? 1 - u : u), clampUnit(fy / frame.height + 0.5)];
}

/**
 * The CSS transform (origin: the element's centre) that draws the picture as `PicturePlacement`
 * says. An element turned by an odd number of quarter turns must be laid out with the box's width
 * and height swapped (`turnedSize`), so that contain-fitting sees the turned proportions.
 */
export function pictureTransform(view: PictureView, quarterTurns: number): string {
  return `translate(${view.x}px, ${view.y}px) scale(${view.zoom}) rotate(${quarterTurns * 90}deg)`;
}

/** The size to give the element before it is turned: the box, or the box on its side. */
export function turnedSize(box: Size, quarterTurns: number): Size {
  return quarterTurns % 2 ? { width: box.height, height: box.width } : box;
}

/** Four decimals: a tenth of a pixel of a 4K frame is plenty, and the messages stay small. */
const clampUnit = (value: number) => Math.round(Math.min(1, Math.max(0, value)) * 10_000) / 10_000;

/** The colours of marks, strong enough on white paper and on a grey desk. */
export const MARK_COLOURS: Record<MarkColour, string> = {
  red: '#d4141c',
  blue: '#1a56db',
  green: '#0f7b36',
  orange: '#e05d00',
};

/** Sizes of a mark's lines, in the pixels it is drawn in (CSS pixels on screen, image pixels in a still). */
export interface MarkSizes {
  line: number;
  dotRadius: number;
  arrowHead: number;
}

/** A mark as SVG path data (also a canvas Path2D): filled (a dot) or stroked. */
export interface MarkPath {
  d: string;
  filled: boolean;
}

const round = (value: number) => Math.round(value * 10) / 10;
const ellipse = (cx: number, cy: number, rx: number, ry: number) =>
  `M ${round(cx - rx)} ${round(cy)} a ${round(rx)} ${round(ry)} 0 1 0 ${round(2 * rx)} 0 a ${round(rx)} ${round(ry)} 0 1 0 ${round(-2 * rx)} 0 Z`;

/** The path of a mark, its points placed by `place` (on a screen: `toBox`; in a still: the image's pixels). */
export function markPath(mark: MarkDrawing, place: (point: FramePoint) => BoxPoint, sizes: MarkSizes): MarkPath {
  const points = mark.points.map(place);
  const [a, b] = points as [BoxPoint, BoxPoint];
  switch (mark.kind) {
    case 'dot':
      return { d: ellipse(a.x, a.y, sizes.dotRadius, sizes.dotRadius), filled: true };
    case 'circle':
      return { d: ellipse((a.x + b.x) / 2, (a.y + b.y) / 2, Math.abs(a.x - b.x) / 2, Math.abs(a.y - b.y) / 2), filled: false };
    case 'arrow': {
      const angle = Math.atan2(b.y - a.y, b.x - a.x);
      const wing = (side: number) => {
        const direction = angle + Math.PI + side * (Math.PI / 7);
        return `${round(b.x + sizes.arrowHead * Math.cos(direction))} ${round(b.y + sizes.arrowHead * Math.sin(direction))}`;
      };
      const head = `${round(b.x)} ${round(b.y)}`;
      return { d: `M ${round(a.x)} ${round(a.y)} L ${head} M ${wing(1)} L ${head} L ${wing(-1)}`, filled: false };
    }
    case 'freehand':
      return { d: points.map((point, index) => `${index === 0 ? 'M' : 'L'} ${round(point.x)} ${round(point.y)}`).join(' '), filled: false };
  }
}

/** Strokes shorter than this (in frame units) are a tap: a freehand tap is a dot, a circle or arrow that small is nothing. */
const TAP_EXTENT = 0.006;
/** A freehand stroke keeps a point only this far (frame units) from the last it kept. */
const STROKE_STEP = 0.002;

/**
 * One mark being drawn with a pointer, in frame points: begun where the pointer went down,
 * extended as it moves, finished when it lifts. Shared by the console's tools and the tablet's finger.
 */
export class MarkSketch {
  readonly #kind: MarkKind;
  readonly #colour: MarkColour;
  #points: FramePoint[];

  constructor(kind: MarkKind, colour: MarkColour, start: FramePoint) {
    this.#kind = kind;
    this.#colour = colour;
    this.#points = [start];
  }

  extend(point: FramePoint): void {
    if (this.#kind === 'dot') {
      this.#points = [point];
    } else if (this.#kind !== 'freehand') {
      this.#points = [this.#points[0]!, point];
    } else {
      const last = this.#points.at(-1)!;
      if (Math.hypot(point[0] - last[0], point[1] - last[1]) < STROKE_STEP) return;
      this.#points.push(point);
      // A long stroke keeps its shape with every other point.
      if (this.#points.length > ANNOTATION_LIMITS.pointsPerStroke) this.#points = this.#points.filter((_, index) => index % 2 === 0);
    }
  }

  /** The mark as it would be if the pointer lifted now (for the preview), or null while it is only a tap of a tool that needs a drag. */
  get drawing(): MarkDrawing | null {
    const [first, ...rest] = this.#points;
    const colour = this.#colour;
    if (!first) return null;
    const extent = Math.max(0, ...rest.map(([x, y]) => Math.max(Math.abs(x - first[0]), Math.abs(y - first[1]))));
    if (this.#kind === 'dot' || (this.#kind === 'freehand' && extent < TAP_EXTENT)) return { kind: 'dot', colour, points: [this.#points.at(-1)!] };
    if (extent < TAP_EXTENT) return null;
    if (this.#kind === 'freehand') return { kind: 'freehand', colour, points: [...this.#points] };
    return { kind: this.#kind, colour, points: [first, this.#points[1]!] };
  }
}
