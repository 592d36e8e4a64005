/**
 * A small read-only hook for end-to-end tests and for looking at a live call from the
 * browser console. It exists in every build (the e2e suite runs the production build), and
 * it can do nothing a person could not do with the page itself:
 *
 *     window.__parlor.stats()
 *       → Promise<{ [memberId]: { framesDecoded, connectionState, relayed } }>
 *         one entry per open peer connection of the call we are in ({} outside a call);
 *         getStats() runs fresh for the call.
 *     window.__parlor.socket.drop({ offlineMs })
 *       → closes the realtime WebSocket at once, as a network cut would, and refuses new
 *         sockets for `offlineMs` (default 0) so "Reconnecting…" can be seen; the client then
 *         reconnects with its usual backoff and resyncs.
 */
import type { RealtimeClient } from '../realtime/socket';
import type { MeshManager } from '../rtc/mesh';

export interface PeerDebugStats {
  framesDecoded: number;
  connectionState: RTCPeerConnectionState;
  relayed: boolean | null;
}

export interface ParlorDebug {
  stats(): Promise<Record<string, PeerDebugStats>>;
  socket: { drop(options?: { offlineMs?: number }): void };
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

export function installDebugHook(sources: { client(): RealtimeClient | null; mesh(): MeshManager | null }): void {
  if (typeof window === 'undefined') return;
  const hook: ParlorDebug = {
    async stats() {
      const mesh = sources.mesh();
      if (mesh === null) return {};
      await mesh.collectStats();
      const result: Record<string, PeerDebugStats> = {};
      for (const peer of mesh.getSnapshot()) {
        result[peer.memberId] = {
          framesDecoded: peer.stats?.framesDecoded ?? 0,
          connectionState: peer.connectionState,
          relayed: peer.stats?.relayed ?? null,
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
  };
  Object.defineProperty(window, '__parlor', { value: Object.freeze(hook), configurable: true });
}
