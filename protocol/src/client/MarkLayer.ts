import type { FramePoint, Mark, MarkColour, MarkDrawing, MarkKind } from '../annotation.ts';
import { MARK_COLOURS, markPath, MarkSketch, toBox, toFrame, type MarkSizes, type PicturePlacement } from './markGeometry.ts';
import type { Size } from './pictureView.ts';

const SVG = 'http://www.w3.org/2000/svg';

/** Drawing with a pointer: what it makes, and where a finished mark goes. */
export interface Pen {
  kind: MarkKind;
  colour: MarkColour;
  onMark(mark: MarkDrawing): void;
}

/** What the layer shows: the marks, and how the picture under it is placed (its box is the layer's own). */
export interface MarkLayerState {
  marks: readonly Mark[];
  placement: Omit<PicturePlacement, 'box'>;
  /** Without a pen the marks are only shown and the pointer goes to the picture beneath. */
  pen: Pen | null;
}

/**
 * Marks drawn over a picture in an <svg> laid over the picture's box — one implementation for the
 * console and the tablet, each wrapping it in a small component. It measures its box itself, places
 * every mark through the shared geometry (`toBox`), and with a pen turns a pointer's stroke into a
 * mark (`toFrame`, `MarkSketch`), previewed while drawn. `close()` lets go of the observer and listeners.
 */
export class MarkLayer {
  readonly #svg: SVGSVGElement;
  readonly #sizes: MarkSizes;
  readonly #resize: ResizeObserver;
  #box: Size = { width: 0, height: 0 };
  #state: MarkLayerState = { marks: [], placement: { frame: { width: 0, height: 0 } }, pen: null };
  #sketch: { pointerId: number; sketch: MarkSketch } | null = null;

  constructor(svg: SVGSVGElement, sizes: MarkSizes) {
    this.#svg = svg;
    this.#sizes = sizes;
    this.#resize = new ResizeObserver(([entry]) => {
      if (!entry) return;
      this.#box = { width: entry.contentRect.width, height: entry.contentRect.height };
      this.#render();
    });
    this.#resize.observe(svg);
    svg.addEventListener('pointerdown', this.#down);
    svg.addEventListener('pointermove', this.#move);
    svg.addEventListener('pointerup', this.#up);
    svg.addEventListener('pointercancel', this.#cancel);
    svg.addEventListener('click', this.#click);
  }

  set(state: MarkLayerState): void {
    this.#state = state;
    this.#svg.dataset.pen = state.pen ? state.pen.kind : '';
    if (!state.pen) this.#sketch = null;
    this.#render();
  }

  close(): void {
    this.#resize.disconnect();
    this.#svg.removeEventListener('pointerdown', this.#down);
    this.#svg.removeEventListener('pointermove', this.#move);
    this.#svg.removeEventListener('pointerup', this.#up);
    this.#svg.removeEventListener('pointercancel', this.#cancel);
    this.#svg.removeEventListener('click', this.#click);
  }

  get #placement(): PicturePlacement {
    return { ...this.#state.placement, box: this.#box };
  }

  #pointAt(event: PointerEvent): FramePoint | null {
    const rect = this.#svg.getBoundingClientRect();
    return toFrame({ x: event.clientX - rect.left, y: event.clientY - rect.top }, this.#placement);
  }

  readonly #down = (event: PointerEvent): void => {
    const { pen } = this.#state;
    const start = pen && event.button === 0 ? this.#pointAt(event) : null;
    if (!pen || !start || this.#sketch) return;
    // The stroke is the pen's, not a pan or a tap on the picture beneath.
    event.stopPropagation();
    event.preventDefault();
    this.#svg.setPointerCapture(event.pointerId);
    this.#sketch = { pointerId: event.pointerId, sketch: new MarkSketch(pen.kind, pen.colour, start) };
    this.#render();
  };

  readonly #move = (event: PointerEvent): void => {
    const point = this.#sketch?.pointerId === event.pointerId ? this.#pointAt(event) : null;
    if (!this.#sketch || !point) return;
    this.#sketch.sketch.extend(point);
    this.#render();
  };

  readonly #up = (event: PointerEvent): void => {
    if (this.#sketch?.pointerId !== event.pointerId) return;
    const drawing = this.#sketch.sketch.drawing;
    this.#sketch = null;
    this.#render();
    if (drawing) this.#state.pen?.onMark(drawing);
  };

  readonly #cancel = (): void => {
    this.#sketch = null;
    this.#render();
  };

  readonly #click = (event: MouseEvent): void => {
    if (this.#state.pen) event.stopPropagation();
  };

  #render(): void {
    const placement = this.#placement;
    const paths: SVGPathElement[] = [];
    if (placement.box.width > 0 && placement.frame.width > 0) {
      const draft = this.#sketch?.sketch.drawing;
      const drawn: (MarkDrawing & { markId: string })[] = [...this.#state.marks, ...(draft ? [{ ...draft, markId: 'draft' }] : [])];
      for (const mark of drawn) {
        const { d, filled } = markPath(mark, (point) => toBox(point, placement), this.#sizes);
        const colour = MARK_COLOURS[mark.colour];
        const path = document.createElementNS(SVG, 'path');
        path.setAttribute('d', d);
        path.setAttribute('fill', filled ? colour : 'none');
        path.setAttribute('stroke', colour);
        path.setAttribute('stroke-width', String(this.#sizes.line));
        path.setAttribute('stroke-linecap', 'round');
        path.setAttribute('stroke-linejoin', 'round');
        path.dataset.markId = mark.markId;
        path.dataset.kind = mark.kind;
        paths.push(path);
      }
    }
    this.#svg.replaceChildren(...paths);
  }
}
