import type { Mark } from '@madoguchi/protocol';
import { MarkLayer, type Pen, type PictureView, type Size } from '@madoguchi/protocol/client';
import { useCallback, useEffect, useRef } from 'react';

/** Visible on a 24-inch office monitor without hiding the print underneath. */
const SIZES = { line: 3, dotRadius: 8, arrowHead: 16 };

interface MarkOverlayProps {
  marks: readonly Mark[];
  /** The picture's source frame (videoWidth × videoHeight). */
  frame: Size;
  view?: PictureView;
  quarterTurns?: number;
  /** Drawing with the mouse; without it the marks are only shown and the picture keeps its own gestures. */
  pen?: Pen | null;
  label: string;
  testId: string;
}

/** Marks over a picture drawn `object-fit: contain` in the same box: the shared MarkLayer in an <svg>. */
export function MarkOverlay({ marks, frame, view, quarterTurns, pen = null, label, testId }: MarkOverlayProps) {
  const layer = useRef<MarkLayer | null>(null);
  const attach = useCallback((svg: SVGSVGElement | null) => {
    if (!svg) return undefined;
    const created = new MarkLayer(svg, SIZES);
    layer.current = created;
    return () => {
      created.close();
      layer.current = null;
    };
  }, []);
  useEffect(() => layer.current?.set({ marks, placement: { frame, view, quarterTurns }, pen }));
  return <svg ref={attach} className={`mark-overlay ${pen ? 'mark-overlay-pen' : ''}`} data-testid={testId} role="img" aria-label={label} />;
}
