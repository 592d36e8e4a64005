/**
 * The microphone level meter's numbers: an AnalyserNode on the track, the RMS of each window
 * of samples mapped to 0..1 the way loudness is heard (decibels), reported about 15 times a
 * second. No React; the audio context and timers are injectable so it is tested with fakes.
 */

/** The part of AnalyserNode used here. */
export interface AnalyserLike {
  fftSize: number;
  smoothingTimeConstant: number;
  getFloatTimeDomainData(array: Float32Array<ArrayBuffer>): void;
  disconnect(): void;
}

/** The part of MediaStreamAudioSourceNode used here. */
export interface AudioSourceLike {
  connect(destination: AnalyserLike): unknown;
  disconnect(): void;
}

/** The part of AudioContext used here. */
export interface AudioContextLike {
  readonly state: AudioContextState;
  createMediaStreamSource(stream: MediaStream): AudioSourceLike;
  createAnalyser(): AnalyserLike;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export interface IntervalTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface MicLevelOptions {
  createAudioContext?: () => AudioContextLike;
  /** How often the level is reported (default 66 ms, about 15 times a second). */
  intervalMs?: number;
  timers?: IntervalTimers;
}

export const MIC_LEVEL_INTERVAL_MS = 66;
/** Quieter than this (dBFS) shows as nothing: room hiss stays near the bottom of the meter. */
export const SILENCE_DB = -60;
/** This loud (dBFS) or louder fills the meter: a raised voice close to the microphone. */
export const FULL_SCALE_DB = -10;
/** How far the meter may fall per report, so it drops smoothly between syllables. */
export const FALL_PER_REPORT = 0.12;
/** 1024 samples at 48 kHz is about 21 ms: shorter than one report, long enough for low voices. */
const WINDOW_SAMPLES = 1024;

const browserTimers: IntervalTimers = {
  setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
  clearInterval: (handle) => globalThis.clearInterval(handle as ReturnType<typeof setInterval>),
};

function browserAudioContext(): AudioContextLike {
  const Context =
    globalThis.AudioContext ?? (globalThis as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (Context === undefined) throw new Error('This browser has no Web Audio.');
  return new Context() as unknown as AudioContextLike;
}

/** Root mean square of samples in [-1, 1]. */
export function rms(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / samples.length);
}

/** An RMS in [0, 1] as a meter position in [0, 1], linear in decibels between SILENCE_DB and FULL_SCALE_DB. */
export function levelFromRms(value: number): number {
  if (!(value > 0)) return 0;
  const db = 20 * Math.log10(value);
  return Math.min(1, Math.max(0, (db - SILENCE_DB) / (FULL_SCALE_DB - SILENCE_DB)));
}

/**
 * Calls `onLevel` with the microphone's level in [0, 1] every `intervalMs` until the returned
 * stop() is called; stop() disconnects the nodes and closes the audio context. The level
 * rises at once and falls by at most FALL_PER_REPORT per report. If the browser has no Web
 * Audio, nothing is reported and stop() does nothing.
 */
export function watchMicLevel(
  track: MediaStreamTrack,
  onLevel: (level: number) => void,
  options: MicLevelOptions = {},
): () => void {
  const timers = options.timers ?? browserTimers;
  let context: AudioContextLike;
  let source: AudioSourceLike;
  let analyser: AnalyserLike;
  try {
    context = (options.createAudioContext ?? browserAudioContext)();
  } catch {
    return () => {};
  }
  try {
    source = context.createMediaStreamSource(new MediaStream([track]));
    analyser = context.createAnalyser();
    analyser.fftSize = WINDOW_SAMPLES;
    analyser.smoothingTimeConstant = 0;
    // Not connected on to the destination: the meter never plays the microphone back.
    source.connect(analyser);
  } catch {
    context.close().catch(() => {});
    return () => {};
  }
  // A context made without a recent click may start suspended; the meter is worth a try.
  if (context.state === 'suspended') context.resume().catch(() => {});

  const samples = new Float32Array(analyser.fftSize);
  let shown = 0;
  let stopped = false;
  const timer = timers.setInterval(() => {
    if (stopped) return;
    analyser.getFloatTimeDomainData(samples);
    const level = levelFromRms(rms(samples));
    shown = Math.max(level, shown - FALL_PER_REPORT);
    onLevel(shown);
  }, options.intervalMs ?? MIC_LEVEL_INTERVAL_MS);

  return () => {
    if (stopped) return;
    stopped = true;
    timers.clearInterval(timer);
    source.disconnect();
    analyser.disconnect();
    context.close().catch(() => {});
  };
}
