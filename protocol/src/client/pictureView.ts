/**
 * Zoom and pan of a picture drawn `object-fit: contain` in a frame, shared by the console (the
 * resident's document) and the tablet (what the operator shows). Each app draws its own controls.
 */

export interface PictureView {
  zoom: number;
  /** Offset of the picture's centre from the frame's centre, in CSS pixels. */
  x: number;
  y: number;
}

export interface ZoomLimits {
  min: number;
  max: number;
}

export interface Size {
  width: number;
  height: number;
}

export const WHOLE_PICTURE: PictureView = { zoom: 1, x: 0, y: 0 };

/** Keep the zoomed picture covering the frame: no panning past its edges. */
export function clampView(view: PictureView, frame: Size, limits: ZoomLimits): PictureView {
  const zoom = Math.min(limits.max, Math.max(limits.min, view.zoom));
  const maxX = ((zoom - 1) * frame.width) / 2;
  const maxY = ((zoom - 1) * frame.height) / 2;
  return { zoom, x: Math.min(maxX, Math.max(-maxX, view.x)), y: Math.min(maxY, Math.max(-maxY, view.y)) };
}

/** Zoom to `zoom`, keeping the point at (cx, cy) — relative to the frame's centre — where it is. */
export function zoomAround(view: PictureView, zoom: number, cx: number, cy: number, limits: ZoomLimits): PictureView {
  const next = Math.min(limits.max, Math.max(limits.min, zoom));
  const ratio = next / view.zoom;
  return { zoom: next, x: cx - ratio * (cx - view.x), y: cy - ratio * (cy - view.y) };
}

/** The size a frame of `picture` is drawn at inside `box` with `object-fit: contain` (0×0 before the first frame). */
export function containedSize(box: Size, picture: Size): Size {
  if (picture.width <= 0 || picture.height <= 0) return { width: 0, height: 0 };
  const scale = Math.min(box.width / picture.width, box.height / picture.height);
  return { width: Math.round(picture.width * scale), height: Math.round(picture.height * scale) };
}
