/**
 * The page's one error reporter (errorReporter.ts), started by main.tsx with the room's
 * token; error boundaries report through `reportClientError`. Before it is started (tests,
 * other entry points) reports go nowhere.
 */
import { sendClientError } from '../api/clientErrors';
import { createErrorReporter, reportUncaughtErrors, type ErrorContext, type ErrorReporter } from './errorReporter';

let reporter: ErrorReporter | null = null;

/** Starts reporting for this page load; returns the stop (for tests and hot reload). */
export function startClientTelemetry(options: { token(): string | null }): () => void {
  const current = createErrorReporter({
    send: (token, report) => sendClientError(token, report),
    token: options.token,
    page: () => window.location.pathname,
    version: __PARLOR_VERSION__,
  });
  reporter = current;
  const stopListening = reportUncaughtErrors(window, current);
  return () => {
    stopListening();
    if (reporter === current) reporter = null;
  };
}

/** An error a boundary caught (or any other the page handled but should not have met). */
export function reportClientError(error: unknown, context?: ErrorContext): void {
  reporter?.report(error, context);
}
