/**
 * In a mesh each peer encodes a stream for us. Video we cannot see (its tile off screen, or
 * the page hidden) is paused at the sender after a short delay (CallMedia.setVideoWanted),
 * and resumes at once when it can be seen again.
 */
import type { CallMedia } from '../rtc/types';
import type { CallTimers } from './timers';

/** Whether the page is on screen (document.visibilityState), and when that changes. */
export interface PageVisibility {
  hidden(): boolean;
  subscribe(onChange: () => void): () => void;
}

export const documentVisibility: PageVisibility = {
  hidden: () => typeof document !== 'undefined' && document.visibilityState === 'hidden',
  subscribe(onChange) {
    if (typeof document === 'undefined') return () => {};
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  },
};

/** Off screen (or the page hidden) this long before the video stops: a quick scroll costs nothing. */
export const VIDEO_PAUSE_DELAY_MS = 2_000;

export class VideoInterest {
  /** Peers whose tiles are off screen, and whose video we paused. */
  private readonly offScreen = new Set<string>();
  private readonly paused = new Set<string>();
  private timer: unknown = null;
  private readonly unsubscribe: () => void;

  /** `media`: the call's media layer while we are in a call, else null. */
  constructor(
    private readonly visibility: PageVisibility,
    private readonly timers: CallTimers,
    private readonly media: () => CallMedia | null,
  ) {
    this.unsubscribe = visibility.subscribe(() => this.update());
  }

  /** A remote tile came on or went off screen (VideoGrid's IntersectionObserver). */
  setTileVisible(memberId: string, visible: boolean): void {
    if (visible) this.offScreen.delete(memberId);
    else this.offScreen.add(memberId);
    this.update();
  }

  /** The call ended: nothing is paused any more. */
  reset(): void {
    this.offScreen.clear();
    this.paused.clear();
    this.clearTimer();
  }

  dispose(): void {
    this.reset();
    this.unsubscribe();
  }

  private wanted(memberId: string): boolean {
    return !this.visibility.hidden() && !this.offScreen.has(memberId);
  }

  private update(): void {
    const media = this.media();
    if (media === null) return;
    let pausePending = false;
    for (const { memberId } of media.getSnapshot()) {
      if (this.wanted(memberId) && this.paused.has(memberId)) {
        this.paused.delete(memberId);
        media.setVideoWanted(memberId, true);
      } else if (!this.wanted(memberId) && !this.paused.has(memberId)) pausePending = true;
    }
    this.clearTimer();
    if (pausePending) this.timer = this.timers.setTimeout(() => this.pause(), VIDEO_PAUSE_DELAY_MS);
  }

  private pause(): void {
    this.timer = null;
    const media = this.media();
    if (media === null) return;
    for (const { memberId } of media.getSnapshot()) {
      if (!this.wanted(memberId) && !this.paused.has(memberId)) {
        this.paused.add(memberId);
        media.setVideoWanted(memberId, false);
      }
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
