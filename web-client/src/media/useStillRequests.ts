import type { Mark, StillFailure, StillInfo } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { useEffect, useRef, useState } from 'react';
import { captureStill, prepareStillCapture } from './stillCapture.ts';

/** How long the tablet says that a photo was taken: long enough for an unhurried reader. */
const TAKEN_NOTICE_MS = 8_000;

/** A still the operator asked for, with the marks to draw into it (none unless they asked). */
interface StillRequest {
  requestId: string;
  marks: readonly Mark[];
}

export type StillUploader = (consultationId: string, requestId: string, image: Blob) => Promise<StillInfo>;

/**
 * Answers the operator's still requests during the call: photographs the raw document-camera track,
 * uploads it, or tells the server why it could not. Returns whether to show "a photo was taken"
 * (the resident should know). Nothing of the photo is kept on the tablet.
 */
export function useStillRequests(
  client: ProtocolClient,
  consultationId: string,
  /** undefined while the cameras are still being opened (and checked): a request then waits for them. */
  documentTrack: MediaStreamTrack | null | undefined,
  upload: StillUploader,
): boolean {
  const [taken, setTaken] = useState(false);
  const trackRef = useRef(documentTrack);
  trackRef.current = documentTrack;
  /** Requests that came while the cameras were being opened, and how to answer one. */
  const waiting = useRef<StillRequest[]>([]);
  const answerRef = useRef<(request: StillRequest) => void>(() => {});
  const uploadRef = useRef(upload);
  uploadRef.current = upload;

  useEffect(() => {
    if (documentTrack) void prepareStillCapture(documentTrack);
    if (documentTrack !== undefined) for (const request of waiting.current.splice(0)) answerRef.current(request);
  }, [documentTrack]);

  useEffect(() => {
    let disposed = false;
    let noticeTimer: ReturnType<typeof setTimeout> | undefined;
    const fail = (requestId: string, reason: Exclude<StillFailure, 'timeout'>, error?: unknown) => {
      if (error) console.warn(`[still] ${reason}:`, error);
      client.request('still:captureFailed', { consultationId, requestId, reason }).catch(() => {});
    };
    const answer = (request: StillRequest) => {
      const { requestId } = request;
      const track = trackRef.current;
      if (track === undefined) return void waiting.current.push(request);
      if (!track) return fail(requestId, 'no_document_camera');
      captureStill(track, request.marks).then(
        (image) =>
          uploadRef.current(consultationId, requestId, image).then(
            () => {
              if (disposed) return;
              setTaken(true);
              clearTimeout(noticeTimer);
              noticeTimer = setTimeout(() => setTaken(false), TAKEN_NOTICE_MS);
            },
            (error: unknown) => fail(requestId, 'upload_failed', error),
          ),
        (error: unknown) => fail(requestId, 'capture_failed', error),
      );
    };
    answerRef.current = answer;
    const unsubscribe = client.on('still:requested', (request) => {
      if (request.consultationId === consultationId) answer(request);
    });
    return () => {
      disposed = true;
      waiting.current = [];
      unsubscribe();
      clearTimeout(noticeTimer);
    };
  }, [client, consultationId]);

  return taken;
}
