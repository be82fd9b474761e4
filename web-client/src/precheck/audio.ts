import { levelToMeter, rms } from './level.ts';

/** The test tone: 1 s at 880 Hz, faded in and out so it does not click. */
export const TONE_HZ = 880;
export const TONE_SECONDS = 1;
const TONE_GAIN = 0.3;
const FADE_SECONDS = 0.02;

/**
 * The pre-call check's Web Audio: one AudioContext for the microphone meter and the test tone.
 * close() releases everything it opened (the caller stops the microphone track it passed in).
 */
export class PrecheckAudio {
  private context: AudioContext | null = null;
  private analyser: AnalyserNode | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private buffer: Float32Array<ArrayBuffer> | null = null;
  private closed = false;

  private audioContext(): AudioContext {
    if (this.closed) throw new Error('PrecheckAudio is closed');
    this.context ??= new AudioContext();
    return this.context;
  }

  /** Start metering a microphone track. */
  meter(track: MediaStreamTrack): void {
    const context = this.audioContext();
    this.source?.disconnect();
    this.source = context.createMediaStreamSource(new MediaStream([track]));
    this.analyser = context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.buffer = new Float32Array(this.analyser.fftSize);
    this.source.connect(this.analyser); // not to the destination: no feedback through the speaker
    void context.resume().catch(() => {});
  }

  /** The microphone's current level on the 0…100 meter scale. */
  level(): number {
    if (!this.analyser || !this.buffer) return 0;
    this.analyser.getFloatTimeDomainData(this.buffer);
    return levelToMeter(rms(this.buffer));
  }

  /** Play the test tone; resolves when it has finished. */
  async beep(): Promise<void> {
    const context = this.audioContext();
    await context.resume();
    const start = context.currentTime + 0.05;
    const end = start + TONE_SECONDS;
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = 'sine';
    oscillator.frequency.value = TONE_HZ;
    gain.gain.setValueAtTime(0, start);
    gain.gain.linearRampToValueAtTime(TONE_GAIN, start + FADE_SECONDS);
    gain.gain.setValueAtTime(TONE_GAIN, end - FADE_SECONDS);
    gain.gain.linearRampToValueAtTime(0, end);
    oscillator.connect(gain).connect(context.destination);
    await new Promise<void>((resolve) => {
      oscillator.onended = () => resolve();
      oscillator.start(start);
      oscillator.stop(end);
    });
    oscillator.disconnect();
    gain.disconnect();
  }

  /** The AudioContext's state, for tests ('none' before anything opened it). */
  get state(): AudioContextState | 'none' {
    return this.context?.state ?? 'none';
  }

  close(): void {
    this.closed = true;
    this.source?.disconnect();
    this.analyser?.disconnect();
    this.source = null;
    this.analyser = null;
    void this.context?.close().catch(() => {});
  }
}
