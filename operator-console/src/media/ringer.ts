import { useEffect, useRef, type RefObject } from 'react';

/**
 * A soft two-tone ring while an offer is waiting, so an operator looking at paperwork notices it;
 * or rung once, a chime (a tablet's call for help on a supervisor's console).
 * Web Audio only (no sound file); silently does nothing where audio is not allowed.
 */
export class Ringer {
  #context: AudioContext | null = null;
  #timer: number | null = null;

  start(): void {
    if (this.#timer !== null) return;
    this.#ring();
    this.#timer = window.setInterval(() => this.#ring(), 2500);
  }

  /** One ring, for a one-off alert. */
  chime(): void {
    this.#ring();
  }

  stop(): void {
    if (this.#timer !== null) window.clearInterval(this.#timer);
    this.#timer = null;
  }

  dispose(): void {
    this.stop();
    void this.#context?.close().catch(() => undefined);
    this.#context = null;
  }

  #ring(): void {
    try {
      this.#context ??= new AudioContext();
      const context = this.#context;
      if (context.state === 'suspended') void context.resume().catch(() => undefined);
      const start = context.currentTime + 0.05;
      [880, 660].forEach((frequency, index) => {
        const at = start + index * 0.35;
        const oscillator = context.createOscillator();
        const gain = context.createGain();
        oscillator.type = 'sine';
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.2, at + 0.03);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.3);
        oscillator.connect(gain).connect(context.destination);
        oscillator.start(at);
        oscillator.stop(at + 0.32);
      });
    } catch {
      // no audio output: the visual alert still shows
    }
  }
}

/** A Ringer owned by the component: made on mount, its sound stopped and its audio closed on unmount. */
export function useRinger(): RefObject<Ringer | null> {
  const ringer = useRef<Ringer | null>(null);
  useEffect(() => {
    const current = new Ringer();
    ringer.current = current;
    return () => current.dispose();
  }, []);
  return ringer;
}
