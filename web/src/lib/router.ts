/**
 * A tiny history-based router: three routes do not need a library. Components read the
 * current route with useRoute(); links and buttons move with navigate().
 */
import { useSyncExternalStore, type MouseEvent } from 'react';
import { formatRoomCode, parseRoomCode } from './roomCode';

export type Route =
  | { name: 'landing' }
  /** `code` is canonical, or null when the path's code is not a room code (`raw` keeps it). */
  | { name: 'room'; code: string | null; raw: string }
  | { name: 'not-found'; path: string };

export function matchRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '' || pathname === '/index.html') return { name: 'landing' };
  const room = /^\/r\/([^/]+)\/?$/.exec(pathname);
  if (room?.[1] !== undefined) {
    let raw = room[1];
    try {
      raw = decodeURIComponent(raw);
    } catch {
      // keep it encoded; it will not parse as a code anyway
    }
    return { name: 'room', code: parseRoomCode(raw), raw };
  }
  return { name: 'not-found', path: pathname };
}

/** The path a route should have: room codes always in display form. */
export function canonicalPath(route: Route): string | null {
  if (route.name === 'room' && route.code !== null) return `/r/${formatRoomCode(route.code)}`;
  return null;
}

const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) window.addEventListener('popstate', notify);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener('popstate', notify);
  };
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const current = window.location.pathname + window.location.search + window.location.hash;
  if (path !== current) {
    if (options.replace) window.history.replaceState(null, '', path);
    else window.history.pushState(null, '', path);
  }
  window.scrollTo(0, 0);
  notify();
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** For plain `<a href>` links inside the app: lets the browser handle new-tab clicks. */
export function followLink(event: MouseEvent<HTMLAnchorElement>): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = event.currentTarget.getAttribute('href');
  if (href === null || !href.startsWith('/')) return;
  event.preventDefault();
  navigate(href);
}
