import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualTimers } from '../rtc/fakes';
import { FALL_PER_REPORT, levelFromRms, rms, watchMicLevel, type AnalyserLike, type AudioContextLike } from './micLevel';

/** An audio context whose analyser plays back whatever samples the test sets. */
class FakeAudioContext implements AudioContextLike {
  state: AudioContextState = 'suspended';
  streams: MediaStream[] = [];
  resumed = 0;
  closed = false;
  sourceConnectedTo: AnalyserLike | null = null;
  sourceDisconnected = false;
  analyserDisconnected = false;
  /** The waveform the microphone "hears": one amplitude, a square wave of ±amplitude. */
  amplitude = 0;
  readonly analyser: AnalyserLike;

  constructor() {
    const context = this;
    this.analyser = {
      fftSize: 2048,
      smoothingTimeConstant: 0.8,
      getFloatTimeDomainData(array) {
        for (let i = 0; i < array.length; i++) array[i] = i % 2 === 0 ? context.amplitude : -context.amplitude;
      },
      disconnect() {
        context.analyserDisconnected = true;
      },
    };
  }

  createMediaStreamSource(stream: MediaStream) {
    this.streams.push(stream);
    return {
      connect: (destination: AnalyserLike) => {
        this.sourceConnectedTo = destination;
      },
      disconnect: () => {
        this.sourceDisconnected = true;
      },
    };
  }

  createAnalyser(): AnalyserLike {
    return this.analyser;
  }

  async resume(): Promise<void> {
    this.resumed += 1;
    this.state = 'running';
  }

  async close(): Promise<void> {
    this.closed = true;
    this.state = 'closed';
  }
}

class FakeMediaStream {
  constructor(readonly tracks: MediaStreamTrack[]) {}
}

const track = { kind: 'audio', id: 'mic-1' } as unknown as MediaStreamTrack;

beforeEach(() => {
  vi.stubGlobal('MediaStream', FakeMediaStream);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function setup() {
  const context = new FakeAudioContext();
  const timers = new ManualTimers();
  const levels: number[] = [];
  const stop = watchMicLevel(track, (level) => levels.push(level), {
    createAudioContext: () => context,
    timers,
    intervalMs: 66,
  });
  return { context, timers, levels, stop };
}

describe('levelFromRms', () => {
  it('maps loudness in decibels onto 0..1: silence 0, hiss low, speech high, shouting full', () => {
    expect(levelFromRms(0)).toBe(0);
    expect(levelFromRms(0.0005)).toBe(0); // -66 dBFS
    expect(levelFromRms(0.003)).toBeLessThan(0.2); // -50 dBFS room noise
    expect(levelFromRms(0.05)).toBeGreaterThan(0.5); // -26 dBFS normal speech
    expect(levelFromRms(0.316)).toBeCloseTo(1, 2); // -10 dBFS
    expect(levelFromRms(1)).toBe(1);
    expect(levelFromRms(Number.NaN)).toBe(0);
  });

  it('rms of a square wave is its amplitude', () => {
    expect(rms([0.5, -0.5, 0.5, -0.5])).toBeCloseTo(0.5);
    expect(rms([])).toBe(0);
  });
});

describe('watchMicLevel', () => {
  it('puts an analyser on the track, never on the speakers, and wakes a suspended context', () => {
    const { context, stop } = setup();
    expect(context.streams).toHaveLength(1);
    expect((context.streams[0] as unknown as FakeMediaStream).tracks).toEqual([track]);
    expect(context.sourceConnectedTo).toBe(context.analyser);
    expect(context.analyser.fftSize).toBe(1024);
    expect(context.resumed).toBe(1);
    stop();
  });

  it('reports about 15 times a second: rises at once with the voice, then falls gradually', () => {
    const { context, timers, levels, stop } = setup();
    timers.advance(65);
    expect(levels).toEqual([]);
    context.amplitude = 0.316; // -10 dBFS: full
    timers.advance(1);
    expect(levels).toHaveLength(1);
    expect(levels[0]).toBeCloseTo(1, 2);
    context.amplitude = 0;
    timers.advance(66 * 3);
    expect(levels).toHaveLength(4);
    expect(levels[1]).toBeCloseTo(levels[0]! - FALL_PER_REPORT);
    expect(levels[3]).toBeCloseTo(levels[0]! - 3 * FALL_PER_REPORT);
    timers.advance(66 * 20);
    expect(levels[levels.length - 1]).toBe(0);
    expect(levels.every((l) => l >= 0 && l <= 1)).toBe(true);
    timers.advance(1000);
    expect(levels).toHaveLength(Math.floor((66 + 66 * 23 + 1000) / 66));
    stop();
  });

  it('stop() ends the reports, disconnects the nodes and closes the context, once', () => {
    const { context, timers, levels, stop } = setup();
    timers.advance(66 * 2);
    stop();
    expect(timers.pending).toBe(0);
    expect(context.sourceDisconnected).toBe(true);
    expect(context.analyserDisconnected).toBe(true);
    expect(context.closed).toBe(true);
    const count = levels.length;
    timers.advance(1000);
    expect(levels).toHaveLength(count);
    stop();
  });

  it('does nothing without Web Audio, and closes the context if the track cannot be read', () => {
    const timers = new ManualTimers();
    const noAudio = watchMicLevel(track, () => {}, {
      createAudioContext: () => {
        throw new Error('no Web Audio');
      },
      timers,
    });
    expect(timers.pending).toBe(0);
    noAudio();

    const context = new FakeAudioContext();
    context.createMediaStreamSource = () => {
      throw new Error('InvalidStateError');
    };
    const stop = watchMicLevel(track, () => {}, { createAudioContext: () => context, timers });
    expect(context.closed).toBe(true);
    expect(timers.pending).toBe(0);
    stop();
  });
});
