import { StillMime, type Mark } from '@madoguchi/protocol';
import { MARK_COLOURS, markPath } from '@madoguchi/protocol/client';

/** Chromium's ImageCapture (not in TypeScript's DOM library). */
declare class ImageCapture {
  constructor(track: MediaStreamTrack);
  getPhotoCapabilities(): Promise<{ imageWidth?: { max?: number }; imageHeight?: { max?: number } }>;
  takePhoto(settings?: { imageWidth?: number; imageHeight?: number }): Promise<Blob>;
  grabFrame(): Promise<ImageBitmap>;
}

/** Quality of an encoded frame: documents need legible small print more than a small file. */
const JPEG_QUALITY = 0.92;

/**
 * A full-resolution still from the document camera's own (raw) track — never a frame of the video
 * the operator receives, which the encoder has scaled and compressed.
 *
 * A frame of the raw track is taken at the track's capture resolution (ImageCapture.grabFrame, else
 * a video element); it is quick and leaves the running video alone. ImageCapture.takePhoto is used
 * only when the camera's photo mode gives more pixels than the track: a photo can reconfigure the
 * camera and takes seconds, which is worth it only for a sharper picture.
 */
export async function captureStill(track: MediaStreamTrack, marks: readonly Mark[] = []): Promise<Blob> {
  if (track.readyState !== 'live') throw new Error('the document camera is not running');
  if (typeof ImageCapture === 'undefined') return encodeFrame(await videoFrameOf(track), marks);
  const capture = new ImageCapture(track);
  const photoSize = await prepareStillCapture(track);
  if (photoSize) {
    try {
      const photo = await capture.takePhoto(photoSize);
      if (photo.size > 0 && StillMime.safeParse(photo.type).success) return marks.length === 0 ? photo : await encodeBitmap(await createImageBitmap(photo), marks);
      console.warn(`[still] takePhoto gave ${photo.type || 'no type'}; taking a frame instead`);
    } catch (error) {
      console.warn('[still] takePhoto failed; taking a frame instead:', error);
    }
  }
  const bitmap = await capture.grabFrame().catch((error: unknown) => {
    console.warn('[still] grabFrame failed; drawing the video instead:', error);
    return null;
  });
  if (!bitmap) return encodeFrame(await videoFrameOf(track), marks);
  return encodeBitmap(bitmap, marks);
}

async function encodeBitmap(bitmap: ImageBitmap, marks: readonly Mark[]): Promise<Blob> {
  try {
    return await encodeFrame({ image: bitmap, width: bitmap.width, height: bitmap.height }, marks);
  } finally {
    bitmap.close();
  }
}

type PhotoSize = { imageWidth: number; imageHeight: number } | null;

/** Per track, once: asking a camera for its photo capabilities takes a few hundred milliseconds. */
const photoSizes = new WeakMap<MediaStreamTrack, Promise<PhotoSize>>();

/**
 * Finds out ahead of the first still whether the camera's photo mode beats its video (see
 * captureStill), so that the operator's first still does not wait for it.
 */
export function prepareStillCapture(track: MediaStreamTrack): Promise<PhotoSize> {
  let size = photoSizes.get(track);
  if (!size) {
    size = typeof ImageCapture === 'undefined' ? Promise.resolve(null) : largerPhotoSize(track);
    photoSizes.set(track, size);
  }
  return size;
}

/** The camera's largest photo size when it has more pixels than the track delivers, else null. */
async function largerPhotoSize(track: MediaStreamTrack): Promise<PhotoSize> {
  const capabilities = await new ImageCapture(track).getPhotoCapabilities().catch(() => null);
  const imageWidth = capabilities?.imageWidth?.max ?? 0;
  const imageHeight = capabilities?.imageHeight?.max ?? 0;
  const { width = 0, height = 0 } = track.getSettings();
  return imageWidth * imageHeight > width * height ? { imageWidth, imageHeight } : null;
}

interface Frame {
  image: CanvasImageSource;
  width: number;
  height: number;
  release?: () => void;
}

/** The track's next frame in a video element of its own (the track itself stays with the call). */
async function videoFrameOf(track: MediaStreamTrack): Promise<Frame> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  const release = () => {
    video.pause();
    video.srcObject = null;
  };
  try {
    await video.play();
    await new Promise<void>((resolve) => video.requestVideoFrameCallback(() => resolve()));
  } catch (error) {
    release();
    throw error;
  }
  return { image: video, width: video.videoWidth, height: video.videoHeight, release };
}

/**
 * The operator's marks drawn into the image as the screens draw them (the same paths), their lines
 * sized to the image — about as thick, against the page, as on the operator's screen.
 */
function drawMarks(context: CanvasRenderingContext2D, marks: readonly Mark[], width: number, height: number): void {
  const line = Math.max(2, Math.round(Math.max(width, height) / 400));
  const sizes = { line, dotRadius: line * 3, arrowHead: line * 6 };
  context.lineWidth = line;
  context.lineCap = 'round';
  context.lineJoin = 'round';
  for (const mark of marks) {
    const { d, filled } = markPath(mark, ([x, y]) => ({ x: x * width, y: y * height }), sizes);
    const path = new Path2D(d);
    context.fillStyle = context.strokeStyle = MARK_COLOURS[mark.colour];
    if (filled) context.fill(path);
    else context.stroke(path);
  }
}

/** A frame as a JPEG at the frame's own size, with the marks asked for drawn in. Everything made here is released. */
async function encodeFrame(frame: Frame, marks: readonly Mark[]): Promise<Blob> {
  const canvas = document.createElement('canvas');
  try {
    canvas.width = frame.width;
    canvas.height = frame.height;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas');
    context.drawImage(frame.image, 0, 0);
    drawMarks(context, marks, frame.width, frame.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the frame could not be encoded'))), 'image/jpeg', JPEG_QUALITY),
    );
  } finally {
    frame.release?.();
    canvas.width = 0; // frees the bitmap now rather than at garbage collection
    canvas.height = 0;
  }
}
