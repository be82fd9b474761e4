import { expect, type Locator, type Page } from '@playwright/test';
import type { Box } from './geometry.ts';

/** Marks seen on screen, for the marking tests (annotation.spec.ts, documents.spec.ts). */

/** 2 % of the frame: how far a mark may land from where it was drawn, on the other side. */
export const TOLERANCE = 0.02;

export type Bounds = { left: number; top: number; right: number; bottom: number };

/** Each side of a mark within 2 % of the frame of where it was drawn. */
export function expectInPlace(got: Bounds, drawn: Bounds, name: string): void {
  for (const side of ['left', 'top', 'right', 'bottom'] as const) {
    expect(Math.abs(got[side] - drawn[side]), `${name}: ${side} at ${got[side].toFixed(3)}, drawn at ${drawn[side]}`).toBeLessThan(TOLERANCE);
  }
}

/** A point of a picture's box, as fractions of it (0..1). */
export const at = (picture: Box, x: number, y: number) => ({ x: picture.x + x * picture.width, y: picture.y + y * picture.height });

/**
 * The bounds of a mark (by kind) in an overlay, as fractions of the picture drawn under it: its
 * geometry (getBBox), not the page box of its stroke, which stands half a line beyond it. Measured
 * again when the path was replaced between finding and measuring it (the overlay redraws as marks
 * arrive: CI once measured a detached path, which has no <svg> around it).
 */
export async function markBounds(overlay: Locator, kind: string, picture: Box): Promise<Bounds> {
  const path = overlay.locator(`path[data-kind=${kind}]`);
  await expect(path).toHaveCount(1);
  type PageBox = { x: number; y: number; width: number; height: number };
  let box: PageBox | null = null;
  await expect
    .poll(async () => {
      box = await path.evaluate((element: SVGPathElement): PageBox | null => {
        if (!element.ownerSVGElement) return null;
        const shape = element.getBBox();
        const overlayBox = element.ownerSVGElement.getBoundingClientRect();
        return { x: overlayBox.left + shape.x, y: overlayBox.top + shape.y, width: shape.width, height: shape.height };
      });
      return box !== null;
    }, { message: `the ${kind} mark measured while in its overlay` })
    .toBe(true);
  const measured = box as PageBox | null;
  if (!measured) throw new Error('unreachable: polled until measured');
  return {
    left: (measured.x - picture.x) / picture.width,
    top: (measured.y - picture.y) / picture.height,
    right: (measured.x + measured.width - picture.x) / picture.width,
    bottom: (measured.y + measured.height - picture.y) / picture.height,
  };
}

export async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
}
