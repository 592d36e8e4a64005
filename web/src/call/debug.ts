/**
 * A small read-only hook for end-to-end tests and for looking at a live call from the
 * browser console. It exists in every build (the e2e suite runs the production build), and
 * it can do nothing a person could not do with the page itself:
 *
 *     window.__parlor.stats()
 *       → Promise<{ [memberId]: { framesDecoded, connectionState, relayed, path,
 *                                 outboundVideoBitrate, maxVideoBitrate, firstMediaMs } }>
 *         one entry per open peer connection of the call we are in ({} outside a call);
 *         getStats() runs fresh for the call. `outboundVideoBitrate` is measured since the
 *         previous stats sample; `maxVideoBitrate` is the budget our sender to them has;
 *         `firstMediaMs` is the client's own measure from "Join call" to their first frame.
 *     window.__parlor.connections()
 *       → { [memberId]: connectionState } for the call we are in, without getStats().
 *     window.__parlor.socket.drop({ offlineMs })
 *       → closes the realtime WebSocket at once, as a network cut would, and refuses new
 *         sockets for `offlineMs` (default 0) so "Reconnecting…" can be seen; the client then
 *         reconnects with its usual backoff and resyncs.
 *
 * One more, for tests only, where `__PARLOR_TEST_HOOKS__` is on (`vite` dev, Vitest, and a
 * build made with `PARLOR_TEST_HOOKS=1 npm run build`, as the e2e suite's is; never a plain
 * `npm run build`, whose bundle does not contain it):
 *
 *     window.__parlor.failComponent('room' | 'call' | 'people' | 'files' | 'chat')
 *       → that part's error boundary throws on its next render (lib/failures.ts), shows
 *         "Something went wrong" with "Try again", and reports the error to the server.
 */
import { failComponent, type FailurePart } from '../lib/failures';
import type { RealtimeClient } from '../realtime/socket';
import type { LinkPath } from '../rtc/stats';
import type { CallMedia } from '../rtc/types';

export interface PeerDebugStats {
  framesDecoded: number;
  connectionState: RTCPeerConnectionState;
  relayed: boolean | null;
  path: LinkPath | null;
  outboundVideoBitrate: number | null;
  /** Video payload bytes sent to them so far, and when that was read (ms), to measure over any window. */
  videoBytesSent: number | null;
  statsTimestamp: number | null;
  maxVideoBitrate: number | null;
  firstMediaMs: number | null;
}

export interface ParlorDebug {
  stats(): Promise<Record<string, PeerDebugStats>>;
  /** Each peer's connection state as of now, without running getStats() (cheap to poll). */
  connections(): Record<string, RTCPeerConnectionState>;
  socket: { drop(options?: { offlineMs?: number }): void };
  /** Test builds only (see above); absent otherwise. */
  failComponent?(part: FailurePart): void;
}

declare global {
  interface Window {
    __parlor?: ParlorDebug;
  }
}

let offlineUntil = 0;

/** For the realtime client's `createSocket`: refuses while a simulated cut lasts. */
export function createDebuggableSocket(url: string): WebSocket {
  if (Date.now() < offlineUntil) throw new Error('offline (simulated by __parlor.socket.drop)');
  return new WebSocket(url);
}

export function installDebugHook(sources: {
  client(): RealtimeClient | null;
  media(): CallMedia | null;
  firstMediaMs(): Record<string, number>;
}): void {
  if (typeof window === 'undefined') return;
  const hook: ParlorDebug = {
    connections() {
      const media = sources.media();
      return Object.fromEntries((media?.getSnapshot() ?? []).map((peer) => [peer.memberId, peer.connectionState]));
    },
    async stats() {
      const media = sources.media();
      if (media === null) return {};
      await media.collectStats();
      const firstMedia = sources.firstMediaMs();
      const result: Record<string, PeerDebugStats> = {};
      for (const peer of media.getSnapshot()) {
        result[peer.memberId] = {
          framesDecoded: peer.stats?.framesDecoded ?? 0,
          connectionState: peer.connectionState,
          relayed: peer.stats?.relayed ?? null,
          path: peer.path,
          outboundVideoBitrate: peer.stats?.outboundVideoBitrate ?? null,
          videoBytesSent: peer.stats?.videoBytesSent ?? null,
          statsTimestamp: peer.stats?.timestamp ?? null,
          maxVideoBitrate: peer.maxVideoBitrate,
          firstMediaMs: firstMedia[peer.memberId] ?? null,
        };
      }
      return result;
    },
    socket: {
      drop(options = {}) {
        offlineUntil = Date.now() + Math.max(0, options.offlineMs ?? 0);
        sources.client()?.drop();
      },
    },
    ...(__PARLOR_TEST_HOOKS__ ? { failComponent } : {}),
  };
  Object.defineProperty(window, '__parlor', { value: Object.freeze(hook), configurable: true });
}
