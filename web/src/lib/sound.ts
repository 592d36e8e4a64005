/**
 * A short, soft beep for a raised hand (WebAudio: no sound file to fetch). Does nothing where
 * there is no AudioContext (tests, old browsers) or the browser will not play yet (no click on
 * the page so far): the live region says it in words either way.
 */

interface AudioContextLike {
  readonly currentTime: number;
  readonly state: string;
  readonly destination: unknown;
  resume(): Promise<void>;
  createOscillator(): {
    type: string;
    frequency: { setValueAtTime(value: number, time: number): unknown };
    connect(node: unknown): unknown;
    start(time?: number): void;
    stop(time?: number): void;
  };
  createGain(): {
    gain: { setValueAtTime(value: number, time: number): unknown; exponentialRampToValueAtTime(value: number, time: number): unknown };
    connect(node: unknown): unknown;
  };
}

type AudioContextConstructor = new () => AudioContextLike;

let shared: AudioContextLike | null = null;

function audioContextConstructor(scope: object): AudioContextConstructor | null {
  const found = (scope as { AudioContext?: unknown; webkitAudioContext?: unknown }).AudioContext ??
    (scope as { webkitAudioContext?: unknown }).webkitAudioContext;
  return typeof found === 'function' ? (found as AudioContextConstructor) : null;
}

/** Plays two quick rising tones (~0.25 s). Returns whether a sound was scheduled. */
export function playHandRaisedSound(scope: object = globalThis): boolean {
  const Context = audioContextConstructor(scope);
  if (Context === null) return false;
  try {
    shared ??= new Context();
    const context = shared;
    if (context.state === 'suspended') void context.resume().catch(() => {});
    const start = context.currentTime;
    for (const [offset, frequency] of [
      [0, 660],
      [0.12, 880],
    ] as const) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.setValueAtTime(frequency, start + offset);
      gain.gain.setValueAtTime(0.15, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.12);
      oscillator.connect(gain);
      gain.connect(context.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.13);
    }
    return true;
  } catch {
    return false; // no audio device, or the browser refused: the words still go out
  }
}

/** For tests: forget the shared context. */
export function resetSoundForTests(): void {
  shared = null;
}
