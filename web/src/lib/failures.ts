/**
 * Made-up failures for tests (issue 13: "a component made to throw, through a test hook that
 * is off in production builds"). `window.__parlor.failComponent('files')` (call/debug.ts)
 * flags a part of the page; the error boundary of that name (components/ErrorBoundary.tsx)
 * then throws on its next render, as a bug in that part would, and clears the flag once it
 * has caught the error, so "Try again" brings the part back.
 *
 * Only reachable where `__PARLOR_TEST_HOOKS__` is true (dev, Vitest, and a production build
 * made with PARLOR_TEST_HOOKS=1 for the e2e suite): elsewhere nothing renders the check and
 * nothing exposes `failComponent`, so the bundle drops it.
 */

/** The parts of the room page that have their own error boundary. */
export const FAILURE_PARTS = ['room', 'call', 'people', 'files', 'chat'] as const;
export type FailurePart = (typeof FAILURE_PARTS)[number];

const flagged = new Set<FailurePart>();
const listeners = new Set<() => void>();

export function isFailurePart(value: unknown): value is FailurePart {
  return typeof value === 'string' && (FAILURE_PARTS as readonly string[]).includes(value);
}

function changed(): void {
  for (const listener of [...listeners]) listener();
}

/** Makes the part's boundary throw on its next render (now, if it is on the page). */
export function failComponent(part: FailurePart): void {
  if (!isFailurePart(part)) throw new TypeError(`failComponent: unknown part ${String(part)}; one of ${FAILURE_PARTS.join(', ')}`);
  flagged.add(part);
  changed();
}

/** The boundary caught it: the next render of the part is a normal one again. */
export function clearFailure(part: FailurePart): void {
  if (flagged.delete(part)) changed();
}

export function isFailing(part: FailurePart): boolean {
  return flagged.has(part);
}

export function subscribeFailures(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** The error a flagged part throws: says where it came from, so nobody hunts for a real bug. */
export class InjectedFailure extends Error {
  constructor(part: FailurePart) {
    super(`Failure injected into "${part}" by __parlor.failComponent (test hook)`);
    this.name = 'InjectedFailure';
  }
}
