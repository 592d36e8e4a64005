/**
 * What each of our video senders may use, by how many peers we send to. In a full mesh every
 * caller encodes and uploads one stream per peer, so five peers at a one-peer bitrate would
 * need about 7.5 Mbit/s up, more than most home links give and more than a laptop can encode.
 * The budget shrinks with the number of peers (bitrate, resolution, frame rate) so that the
 * total stays near what one good stream takes; audio is never cut and goes first.
 * Pure, so the table is tested without a browser; the mesh applies it with setParameters.
 */

export interface VideoBudget {
  /** Bits per second, the encoder's ceiling for one peer. */
  maxBitrate: number;
  /** 1 keeps the camera's resolution (640 × 360), 2 halves each side. */
  scaleResolutionDownBy: number;
  maxFramerate: number;
}

/** Opus voice at a comfortable quality; small, so it is never what gets cut. */
export const AUDIO_MAX_BITRATE = 48_000;

const CAMERA_BUDGETS: readonly VideoBudget[] = [
  { maxBitrate: 1_500_000, scaleResolutionDownBy: 1, maxFramerate: 30 }, // 1 peer
  { maxBitrate: 1_000_000, scaleResolutionDownBy: 1, maxFramerate: 30 }, // 2
  { maxBitrate: 700_000, scaleResolutionDownBy: 1.5, maxFramerate: 24 }, // 3
  { maxBitrate: 500_000, scaleResolutionDownBy: 1.5, maxFramerate: 24 }, // 4
  { maxBitrate: 400_000, scaleResolutionDownBy: 2, maxFramerate: 20 }, // 5 and more
];

/**
 * The budget per peer when sending to `peers` others. A shared screen keeps its resolution
 * (text must stay readable) and gives up frame rate instead.
 */
export function videoBudget(peers: number, source: 'camera' | 'screen' = 'camera'): VideoBudget {
  const index = Math.min(Math.max(peers, 1), CAMERA_BUDGETS.length) - 1;
  const camera = CAMERA_BUDGETS[index]!;
  if (source === 'screen') return { maxBitrate: camera.maxBitrate, scaleResolutionDownBy: 1, maxFramerate: 15 };
  return camera;
}

/** Upload the whole call needs at most, bits per second: every peer gets audio and video. */
export function uploadBudget(peers: number, source: 'camera' | 'screen' = 'camera'): number {
  if (peers <= 0) return 0;
  return peers * (videoBudget(peers, source).maxBitrate + AUDIO_MAX_BITRATE);
}

/** "2.4 Mbit/s", "450 kbit/s": bitrates as people read them. */
export function formatBitrate(bitsPerSecond: number): string {
  if (bitsPerSecond >= 1_000_000) return `${(bitsPerSecond / 1_000_000).toFixed(1)} Mbit/s`;
  return `${Math.round(bitsPerSecond / 1_000)} kbit/s`;
}
