import { afterEach, describe, expect, it } from 'vitest';
import { playHandRaisedSound, resetSoundForTests } from './sound';

afterEach(() => resetSoundForTests());

describe('the raised-hand sound', () => {
  it('does nothing, and does not throw, without WebAudio', () => {
    expect(playHandRaisedSound({})).toBe(false);
  });

  it('plays two short tones that stop by themselves', () => {
    const started: number[] = [];
    const stopped: number[] = [];
    class FakeContext {
      currentTime = 10;
      state = 'running';
      destination = {};
      resume = async () => {};
      createOscillator() {
        return {
          type: '',
          frequency: { setValueAtTime: () => {} },
          connect: () => {},
          start: (time = 0) => void started.push(time),
          stop: (time = 0) => void stopped.push(time),
        };
      }
      createGain() {
        return { gain: { setValueAtTime: () => {}, exponentialRampToValueAtTime: () => {} }, connect: () => {} };
      }
    }
    expect(playHandRaisedSound({ AudioContext: FakeContext })).toBe(true);
    expect(started).toHaveLength(2);
    expect(stopped).toHaveLength(2);
    expect(Math.max(...stopped)).toBeLessThan(10.5);
  });

  it('a browser that refuses audio leaves it silent', () => {
    class Refusing {
      constructor() {
        throw new Error('NotAllowedError');
      }
    }
    expect(playHandRaisedSound({ AudioContext: Refusing })).toBe(false);
  });
});
