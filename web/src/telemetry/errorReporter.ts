/**
 * What the client reports of its own failures (issue 13, "Client telemetry"): errors caught
 * by an error boundary, uncaught errors and unhandled promise rejections go to
 * `POST /api/client-errors` with the room's token, so the operator sees them in the log and
 * in `parlor_client_errors_total`.
 *
 * The policy keeps an error loop from spamming the server (which also rate-limits):
 * - nothing is sent without a token (on the landing page, before joining): dropped;
 * - the same message at most once a minute (`dedupeMs`);
 * - at most 10 reports per page load (`maxPerPage`);
 * - after a 429 nothing is sent until its `Retry-After` has passed.
 * Reporting never throws and never reports itself: a failed send is a console warning.
 *
 * Framework-free; the sender, token, page, clock and warning are injected.
 */
import type { ClientErrorReport } from '../api/clientErrors';
import { ApiError, isAbort } from '../api/http';

export interface ErrorContext {
  /** Which part of the page failed (an error boundary's name) or how it surfaced. */
  where?: string;
  /** React's component stack, appended to the error's own. */
  componentStack?: string;
}

export interface ErrorReporterDeps {
  send(token: string, report: ClientErrorReport): Promise<void>;
  /** The room's bearer token, or null when there is none to report with. */
  token(): string | null;
  /** `location.pathname`. */
  page(): string;
  version: string;
  now?(): number;
  warn?(message: string, detail: unknown): void;
  maxPerPage?: number;
  dedupeMs?: number;
}

export interface ErrorReporter {
  /** Reports an error if the policy allows; returns whether a report was sent. Never throws. */
  report(error: unknown, context?: ErrorContext): boolean;
}

/** The field limits of the protocol, applied here too so a report always fits in 16 KiB. */
const LIMITS = { message: 1_000, page: 500, version: 64, stack: 8_000 } as const;

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : text.slice(0, limit);
}

/** One line saying what failed: "TypeError: x is undefined"; whatever was thrown, in words. */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error) {
      const message = error.message.trim();
      if (error.name === '' || error.name === 'Error') return message || error.name || 'Error';
      return message === '' ? error.name : `${error.name}: ${message}`;
    }
    if (typeof error === 'string') return error.trim() || '(empty string thrown)';
    if (error === undefined || error === null) return String(error);
    const json = JSON.stringify(error);
    return json === undefined ? String(error) : json;
  } catch {
    return 'An error that could not be described';
  }
}

function stackOf(error: unknown, componentStack: string | undefined): string | undefined {
  let stack: string | undefined;
  try {
    stack = error instanceof Error && typeof error.stack === 'string' && error.stack !== '' ? error.stack : undefined;
  } catch {
    stack = undefined;
  }
  const component = componentStack?.trim();
  if (component) stack = `${stack ?? ''}\n\nComponent stack:\n${component}`.trimStart();
  return stack;
}

export function createErrorReporter(deps: ErrorReporterDeps): ErrorReporter {
  const now = deps.now ?? Date.now;
  const warn = deps.warn ?? ((message, detail) => console.warn(message, detail));
  const maxPerPage = deps.maxPerPage ?? 10;
  const dedupeMs = deps.dedupeMs ?? 60_000;
  const lastSent = new Map<string, number>();
  let sent = 0;
  let pausedUntil = 0;

  function failed(error: unknown): void {
    try {
      if (error instanceof ApiError && error.code === 'rate_limited') {
        pausedUntil = now() + (error.retryAfterSeconds ?? 60) * 1000;
      }
      if (!isAbort(error)) warn('Parlor could not report an error to the server:', error);
    } catch {
      // A report's failure must never become an error of its own (and a report of that).
    }
  }

  return {
    report(error, context = {}) {
      try {
        const token = deps.token();
        if (token === null || token === '') return false;
        if (sent >= maxPerPage || now() < pausedUntil) return false;
        const described = describeError(error);
        const message = cut(context.where ? `${described} [${context.where}]` : described, LIMITS.message);
        const previous = lastSent.get(message);
        if (previous !== undefined && now() - previous < dedupeMs) return false;
        lastSent.set(message, now());
        sent += 1;
        const report: ClientErrorReport = {
          message,
          page: cut(deps.page(), LIMITS.page),
          version: cut(deps.version, LIMITS.version),
        };
        const stack = stackOf(error, context.componentStack);
        if (stack !== undefined) report.stack = cut(stack, LIMITS.stack);
        deps.send(token, report).catch(failed);
        return true;
      } catch (cause) {
        try {
          warn('Parlor could not report an error to the server:', cause);
        } catch {
          // Nothing left to tell.
        }
        return false;
      }
    },
  };
}

/** Noise that says nothing about Parlor: the browser's own, or a script of another origin. */
function isNoise(message: string): boolean {
  return message.startsWith('ResizeObserver loop') || message === 'Script error.';
}

/** The window's `error` and `unhandledrejection` events, reported; returns the unsubscribe. */
export function reportUncaughtErrors(target: Pick<Window, 'addEventListener' | 'removeEventListener'>, reporter: ErrorReporter): () => void {
  const onError = (event: Event) => {
    const { error, message } = event as ErrorEvent;
    if (error !== undefined && error !== null) {
      if (!isNoise(describeError(error))) reporter.report(error, { where: 'uncaught' });
    } else if (typeof message === 'string' && message !== '' && !isNoise(message)) {
      reporter.report(message, { where: 'uncaught' });
    }
  };
  const onRejection = (event: Event) => {
    const { reason } = event as PromiseRejectionEvent;
    if (isAbort(reason)) return; // a caller gave up on a request: not a failure
    reporter.report(reason, { where: 'unhandled rejection' });
  };
  target.addEventListener('error', onError);
  target.addEventListener('unhandledrejection', onRejection);
  return () => {
    target.removeEventListener('error', onError);
    target.removeEventListener('unhandledrejection', onRejection);
  };
}
