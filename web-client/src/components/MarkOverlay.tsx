import type { Mark } from '@madoguchi/protocol';
import { MarkLayer, type Pen, type PictureView, type Size } from '@madoguchi/protocol/client';
import { useCallback, useEffect, useRef } from 'react';

/** Thick enough to see from arm's length on a tablet. */
const SIZES = { line: 5, dotRadius: 12, arrowHead: 22 };

interface MarkOverlayProps {
  marks: readonly Mark[];
  /** The picture's source frame (videoWidth × videoHeight). */
  frame: Size;
  view?: PictureView;
  /** Drawing with a finger; without it the marks are only shown. */
  pen?: Pen | null;
  label: string;
  testId: string;
}

/** Marks over a picture drawn `object-fit: contain` in the same box: the shared MarkLayer in an <svg>. */
export function MarkOverlay({ marks, frame, view, pen = null, label, testId }: MarkOverlayProps) {
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
  useEffect(() => layer.current?.set({ marks, placement: { frame, view }, pen }));
  return <svg ref={attach} className={`mark-overlay ${pen ? 'mark-overlay--pen' : ''}`} data-testid={testId} role="img" aria-label={label} />;
}
