/**
 * The browser telling us that the network changed: back `online`, or another connection type
 * (`navigator.connection`'s `change`, e.g. Wi-Fi to mobile data). Peer connections bound to
 * the old addresses then need an ICE restart, and a socket waiting out its backoff can retry.
 */

export type NetworkChange = 'online' | 'connection';

export interface NetworkWatch {
  /** Calls `onChange` on every change; returns the unsubscribe. */
  subscribe(onChange: (change: NetworkChange) => void): () => void;
}

interface EventSourceLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** The page's own events; a no-op outside a browser. */
export function browserNetwork(): NetworkWatch {
  return {
    subscribe(onChange) {
      if (typeof window === 'undefined') return () => {};
      const connection = (navigator as Navigator & { connection?: EventSourceLike }).connection;
      const online = () => onChange('online');
      const changed = () => onChange('connection');
      window.addEventListener('online', online);
      connection?.addEventListener('change', changed);
      return () => {
        window.removeEventListener('online', online);
        connection?.removeEventListener('change', changed);
      };
    },
  };
}
