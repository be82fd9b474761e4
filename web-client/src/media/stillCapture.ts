import { StillMime } from '@madoguchi/protocol';

/** Chromium's ImageCapture (not in TypeScript's DOM library). */
declare class ImageCapture {
  constructor(track: MediaStreamTrack);
  takePhoto(): Promise<Blob>;
}

/** Quality of a drawn frame: documents need legible small print more than a small file. */
const JPEG_QUALITY = 0.92;

/**
 * A full-resolution photo from the document camera's own (raw) track — never a frame of the video
 * the operator receives, which the encoder has scaled and compressed. ImageCapture.takePhoto where the
 * browser has it; otherwise the track's current frame drawn at its capture resolution.
 */
export async function captureStill(track: MediaStreamTrack): Promise<Blob> {
  if (track.readyState !== 'live') throw new Error('the document camera is not running');
  if (typeof ImageCapture !== 'undefined') {
    try {
      const photo = await new ImageCapture(track).takePhoto();
      if (photo.size > 0 && StillMime.safeParse(photo.type).success) return photo;
      console.warn(`[still] takePhoto gave ${photo.type || 'no type'}; drawing a frame instead`);
    } catch (error) {
      console.warn('[still] takePhoto failed; drawing a frame instead:', error);
    }
  }
  return drawCurrentFrame(track);
}

/** The track's next frame on a canvas of the frame's own size, as a JPEG. Everything made here is released. */
async function drawCurrentFrame(track: MediaStreamTrack): Promise<Blob> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  const canvas = document.createElement('canvas');
  try {
    await video.play();
    await new Promise<void>((resolve) => video.requestVideoFrameCallback(() => resolve()));
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas');
    context.drawImage(video, 0, 0);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the frame could not be encoded'))), 'image/jpeg', JPEG_QUALITY),
    );
  } finally {
    video.pause();
    video.srcObject = null; // the track itself stays with the call
    canvas.width = 0; // frees the bitmap now rather than at garbage collection
    canvas.height = 0;
  }
}
