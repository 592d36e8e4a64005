/** `POST /api/client-errors` (docs/protocol.md, "Client error reports"). */
import { request } from './http';

/** One report; the server cuts longer fields (message 1,000, page 500, version 64, stack 8,000). */
export interface ClientErrorReport {
  message: string;
  /** `location.pathname`, without the query. */
  page: string;
  /** The build's version. */
  version: string;
  stack?: string;
}

/** Sends one report with the room's bearer token (the token names the room). Never retried. */
export async function sendClientError(token: string, report: ClientErrorReport, signal?: AbortSignal): Promise<void> {
  await request('POST', '/api/client-errors', { body: report, token, signal });
}
