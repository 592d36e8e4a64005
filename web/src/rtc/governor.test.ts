import { describe, expect, it } from 'vitest';
import { AUDIO_MAX_BITRATE, formatBitrate, uploadBudget, videoBudget } from './governor';

describe('videoBudget', () => {
  it('gives one peer a sharp stream and five peers about 400 kbit/s each at a lower resolution', () => {
    expect(videoBudget(1)).toEqual({ maxBitrate: 1_500_000, scaleResolutionDownBy: 1, maxFramerate: 30 });
    expect(videoBudget(5).maxBitrate).toBe(400_000);
    expect(videoBudget(5).scaleResolutionDownBy).toBe(2);
  });

  it('never grows as peers are added, and stays at the floor past five', () => {
    for (let peers = 1; peers < 8; peers++) {
      expect(videoBudget(peers + 1).maxBitrate).toBeLessThanOrEqual(videoBudget(peers).maxBitrate);
      expect(videoBudget(peers + 1).scaleResolutionDownBy).toBeGreaterThanOrEqual(videoBudget(peers).scaleResolutionDownBy);
    }
    expect(videoBudget(9)).toEqual(videoBudget(5));
    expect(videoBudget(0)).toEqual(videoBudget(1));
  });

  it('keeps a shared screen at full resolution and trades frame rate instead', () => {
    expect(videoBudget(4, 'screen')).toMatchObject({ scaleResolutionDownBy: 1, maxFramerate: 15 });
  });
});

describe('uploadBudget', () => {
  it('adds audio and video for every peer, and keeps the five-peer total near two one-peer streams', () => {
    expect(uploadBudget(0)).toBe(0);
    expect(uploadBudget(1)).toBe(1_500_000 + AUDIO_MAX_BITRATE);
    expect(uploadBudget(5)).toBe(5 * (400_000 + AUDIO_MAX_BITRATE));
    expect(uploadBudget(5)).toBeLessThan(2 * uploadBudget(1));
  });
});

describe('formatBitrate', () => {
  it('reads as people read bitrates', () => {
    expect(formatBitrate(2_240_000)).toBe('2.2 Mbit/s');
    expect(formatBitrate(448_000)).toBe('448 kbit/s');
  });
});
