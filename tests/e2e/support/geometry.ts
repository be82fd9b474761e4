import { expect, type Locator, type Page } from '@playwright/test';

/** Geometry checks of what a user sees at a screen size (layout.spec.ts and the screens' own specs). */

export type Box = { x: number; y: number; width: number; height: number };

/**
 * What the user sees of the element: its box cut by the viewport and by every ancestor that clips
 * (a scrolled column hides what boundingBox() would still report), and what is drawn at the middle
 * of that (another element when something sticky or overlaid covers it).
 */
export async function visibleBox(locator: Locator): Promise<{ box: Box; visible: Box; coveredBy: string | null }> {
  return locator.evaluate((element) => {
    const rect = element.getBoundingClientRect();
    let [left, top, right, bottom] = [rect.left, rect.top, rect.right, rect.bottom];
    const clip = (r: { left: number; top: number; right: number; bottom: number }) => {
      [left, top, right, bottom] = [Math.max(left, r.left), Math.max(top, r.top), Math.min(right, r.right), Math.min(bottom, r.bottom)];
    };
    for (let parent = element.parentElement; parent; parent = parent.parentElement) {
      const style = getComputedStyle(parent);
      if (style.overflowX !== 'visible' || style.overflowY !== 'visible') clip(parent.getBoundingClientRect());
      if (parent.matches(':modal')) break; // a modal dialog is drawn above its ancestors, not inside them
    }
    clip({ left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight });
    const box = { x: rect.left, y: rect.top, width: rect.width, height: rect.height };
    const hit = right > left && bottom > top ? document.elementFromPoint((left + right) / 2, (top + bottom) / 2) : null;
    const coveredBy = hit && hit !== element && !element.contains(hit) ? `${hit.tagName.toLowerCase()}.${hit.className}` : null;
    return { box, visible: { x: left, y: top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) }, coveredBy };
  });
}

/** The picture inside a <video> drawn `object-fit: contain` (letterboxed), where it lies on the page. */
export async function containedPicture(video: Locator): Promise<Box> {
  return video.evaluate((element: HTMLVideoElement) => {
    const rect = element.getBoundingClientRect();
    const scale = Math.min(rect.width / element.videoWidth, rect.height / element.videoHeight);
    const [width, height] = [element.videoWidth * scale, element.videoHeight * scale];
    return { x: rect.left + (rect.width - width) / 2, y: rect.top + (rect.height - height) / 2, width, height };
  });
}

/** Has a size and is seen whole, without scrolling anything (a pixel of rounding allowed). */
export async function expectWhole(locator: Locator, name: string): Promise<void> {
  const { box, visible, coveredBy } = await visibleBox(locator);
  expect(box.width, `${name} is 0 px wide`).toBeGreaterThan(0);
  expect(box.height, `${name} is 0 px high`).toBeGreaterThan(0);
  expect(visible.width, `${name} is cut at the side`).toBeGreaterThanOrEqual(box.width - 1);
  expect(visible.height, `${name} is cut at the top or bottom (below the fold)`).toBeGreaterThanOrEqual(box.height - 1);
  expect(coveredBy, `${name} is covered`).toBeNull();
}

/**
 * A text that is neither cut (ellipsis, clamped lines) nor drawn under a neighbour. A CJK font's
 * glyph boxes stand a few pixels beyond a tight line height: less than half a line is not a lost line.
 */
export async function expectTextWhole(locator: Locator, name: string, notUnder?: Locator): Promise<void> {
  await expectWhole(locator, name);
  const { scrollWidth, clientWidth, scrollHeight, clientHeight, lineHeight } = await locator.evaluate((element) => ({
    scrollWidth: element.scrollWidth,
    clientWidth: element.clientWidth,
    scrollHeight: element.scrollHeight,
    clientHeight: element.clientHeight,
    lineHeight: parseFloat(getComputedStyle(element).lineHeight),
  }));
  expect(scrollWidth, `${name} is cut at its end`).toBeLessThanOrEqual(clientWidth + 1);
  expect(scrollHeight, `${name} has lines cut off`).toBeLessThan(clientHeight + lineHeight / 2);
  if (notUnder) {
    const [a, b] = [(await locator.boundingBox())!, (await notUnder.boundingBox())!];
    expect(intersects(a, b), `${name} lies under another element`).toBe(false);
  }
}

export function intersects(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

export async function expectNoPageScroll(page: Page): Promise<void> {
  const { scrollHeight, scrollWidth, innerHeight, innerWidth } = await page.evaluate(() => ({
    scrollHeight: document.scrollingElement!.scrollHeight,
    scrollWidth: document.scrollingElement!.scrollWidth,
    innerHeight: window.innerHeight,
    innerWidth: window.innerWidth,
  }));
  expect(scrollHeight, 'the page scrolls vertically').toBeLessThanOrEqual(innerHeight);
  expect(scrollWidth, 'the page scrolls sideways').toBeLessThanOrEqual(innerWidth);
}
