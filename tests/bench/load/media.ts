import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseIvf, type IvfFile } from './ivf.ts';
import { opusPackets } from './ogg.ts';

/**
 * The pre-encoded media the bots send: what the product's cameras and microphones send, encoded
 * once by Debian's ffmpeg (libvpx, libopus) and cached. Ten-second clips, looped; each video
 * clip's first frame is its only key frame, which a bot sends again when the SFU asks (PLI/FIR).
 */
export const LOAD_MEDIA = {
  /** Tablet face camera, simulcast layer r0: ½ of 640×480 at the product's 200 kbps cap. */
  faceLow: { file: 'face-320x240-200k.ivf', size: '320x240', fps: 30, bitrate: '200k' },
  /** Tablet face camera, simulcast layer r1 (and the operator's camera, same 640×480 shape): 900 kbps. */
  faceHigh: { file: 'face-640x480-900k.ivf', size: '640x480', fps: 30, bitrate: '900k' },
  /** Document camera, 1080p at 10 fps (the product asks ≤ 15 fps) and 2.5 Mbps (its cap is 4 Mbps). */
  document: { file: 'document-1920x1080-2500k.ivf', size: '1920x1080', fps: 10, bitrate: '2500k' },
} as const;
const VOICE_FILE = 'voice-opus-32k.ogg';
const CLIP_SECONDS = 10;
/** Bump when the clips change, so an old cache is not used. */
const MEDIA_VERSION = 'v1';

export interface LoadMedia {
  faceLow: IvfFile;
  faceHigh: IvfFile;
  document: IvfFile;
  /** 20 ms Opus packets. */
  voice: Buffer[];
}

export const LOAD_MEDIA_DIR = join(homedir(), '.cache/madoguchi/load-media', MEDIA_VERSION);

function ensureFfmpeg(): void {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return;
  } catch {
    // not installed: below
  }
  if (process.getuid?.() !== 0) throw new Error('the load bench encodes its media once with ffmpeg: sudo apt-get install -y ffmpeg');
  console.log('[load] installing Debian\'s ffmpeg once, to encode the bots\' media (apt-get install ffmpeg)…');
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'ffmpeg'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Encode into a temporary name and rename, so an interrupted run leaves no half file in the cache. */
function encode(file: string, args: string[]): void {
  const target = join(LOAD_MEDIA_DIR, file);
  if (existsSync(target)) return;
  const partial = `${target}.partial`;
  const format = file.endsWith('.ogg') ? 'ogg' : 'ivf';
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, '-t', String(CLIP_SECONDS), '-f', format, partial], { stdio: 'inherit' });
  renameSync(partial, target);
}

/** The clips, encoded on first use (about a minute on 2 cores) and read from the cache after. */
export function loadMedia(): LoadMedia {
  mkdirSync(LOAD_MEDIA_DIR, { recursive: true });
  const videos = Object.values(LOAD_MEDIA);
  const voicePath = join(LOAD_MEDIA_DIR, VOICE_FILE);
  if (videos.some(({ file }) => !existsSync(join(LOAD_MEDIA_DIR, file))) || !existsSync(voicePath)) {
    ensureFfmpeg();
    console.log(`[load] encoding the bots' media once into ${LOAD_MEDIA_DIR}`);
    for (const { file, size, fps, bitrate } of videos) {
      encode(file, [
        '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}`,
        '-c:v', 'libvpx', '-b:v', bitrate, '-minrate', bitrate, '-maxrate', bitrate,
        // One key frame, the first: the loop's start is where a bot goes when asked for one.
        '-g', String(fps * CLIP_SECONDS + 1), '-deadline', 'realtime', '-cpu-used', '8',
      ]);
    }
    encode(VOICE_FILE, ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-ac', '1', '-c:a', 'libopus', '-b:a', '32k', '-frame_duration', '20', '-application', 'voip']);
  }
  const video = (file: string) => parseIvf(readFileSync(join(LOAD_MEDIA_DIR, file)));
  return {
    faceLow: video(LOAD_MEDIA.faceLow.file),
    faceHigh: video(LOAD_MEDIA.faceHigh.file),
    document: video(LOAD_MEDIA.document.file),
    voice: opusPackets(readFileSync(voicePath)),
  };
}
