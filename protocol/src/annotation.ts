import { z } from 'zod';
import { Id } from './domain.ts';

/**
 * Pointing and marking on a picture of a call (issue 13, item 1). Every point is normalised to the
 * picture's source frame — 0..1 of its video width and height, (0, 0) at the top left of the frame
 * as the camera delivers it — so a mark lands on the same spot of the paper whatever each screen
 * does with the picture (zoom, pan, rotation, letterboxing, a smaller received resolution).
 */

/** A page of a document sent in the call (issue 13, item 2): `sent:<document id>:<page, from 1>`. */
export type SentPageSource = `sent:${string}:${number}`;
const SENT_PAGE = /^sent:([A-Za-z0-9-]{1,64}):([1-9][0-9]{0,3})$/;

/**
 * The pictures marks are drawn on: the resident's document camera, what an operator shows, or a page
 * of a sent document (its points normalised to the page). One string, so a picture's marks are
 * still picked out by equality everywhere; the server checks the document was sent in the call.
 */
export const AnnotatedSource = z.union([
  z.enum(['document', 'operator-document', 'screen']),
  z.custom<SentPageSource>((value) => typeof value === 'string' && SENT_PAGE.test(value), 'a sent document page: sent:<id>:<page>'),
]);
export type AnnotatedSource = z.infer<typeof AnnotatedSource>;

export function sentPageSource(documentId: string, page: number): SentPageSource {
  return `sent:${documentId}:${page}`;
}

/** The sent document and page a source names, or null for a camera or a screen. */
export function sentPageOf(source: string): { documentId: string; page: number } | null {
  const match = SENT_PAGE.exec(source);
  return match ? { documentId: match[1] as string, page: Number(match[2]) } : null;
}

/** What a call may hold, and what one stroke may carry: a mark set the server keeps in memory and sends whole to a rejoining party. */
export const ANNOTATION_LIMITS = {
  /** Points of one freehand stroke (the browser thins a longer one before sending). */
  pointsPerStroke: 200,
  /** Marks a call keeps, over all its pictures; past that the oldest go. */
  marksPerCall: 100,
  /** Marks one party may add: a sustained rate per second and a burst. */
  marksPerSecond: 4,
  markBurst: 20,
} as const;

/** A point of the source frame: [x, y], each 0..1. */
export const FramePoint = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);
export type FramePoint = z.infer<typeof FramePoint>;

export const MarkColour = z.enum(['red', 'blue', 'green', 'orange']);
export type MarkColour = z.infer<typeof MarkColour>;

/** A mark as drawn: a pointer dot, a circle (the box it fills, two corners), an arrow (tail, head) or a freehand stroke. */
export const MarkDrawing = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dot'), colour: MarkColour, points: z.tuple([FramePoint]) }),
  z.object({ kind: z.literal('circle'), colour: MarkColour, points: z.tuple([FramePoint, FramePoint]) }),
  z.object({ kind: z.literal('arrow'), colour: MarkColour, points: z.tuple([FramePoint, FramePoint]) }),
  z.object({ kind: z.literal('freehand'), colour: MarkColour, points: z.array(FramePoint).min(2).max(ANNOTATION_LIMITS.pointsPerStroke) }),
]);
export type MarkDrawing = z.infer<typeof MarkDrawing>;
export type MarkKind = MarkDrawing['kind'];

/** A mark of a call, as every party of the call receives it. */
export const Mark = z.intersection(
  MarkDrawing,
  z.object({
    markId: Id,
    source: AnnotatedSource,
    /** Who drew it: the console and the tablet may tell their own marks from the other side's. */
    by: z.enum(['resident', 'operator']),
  }),
);
export type Mark = z.infer<typeof Mark>;
