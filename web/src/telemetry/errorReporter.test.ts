import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientErrorReport } from '../api/clientErrors';
import { sendClientError } from '../api/clientErrors';
import { ApiError } from '../api/http';
import { createErrorReporter, describeError, reportUncaughtErrors, type ErrorReporterDeps } from './errorReporter';

afterEach(() => {
  vi.unstubAllGlobals();
});

function setup(overrides: Partial<ErrorReporterDeps> = {}) {
  let clock = 1_000_000;
  let token: string | null = 'tok';
  const sent: { token: string; report: ClientErrorReport }[] = [];
  const warnings: unknown[] = [];
  const send = vi.fn(async (t: string, report: ClientErrorReport) => {
    sent.push({ token: t, report });
  });
  const reporter = createErrorReporter({
    send,
    token: () => token,
    page: () => '/r/abcd-efgh-jkmn',
    version: '0.1.0',
    now: () => clock,
    warn: (_message, detail) => warnings.push(detail),
    ...overrides,
  });
  return {
    reporter,
    sent,
    send,
    warnings,
    advance: (ms: number) => (clock += ms),
    setToken: (value: string | null) => (token = value),
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('client error reports', () => {
  it("sends the message, the page, the build version and the stack with the room's token", () => {
    const { reporter, sent } = setup();
    const error = new TypeError("Cannot read properties of undefined (reading 'name')");
    expect(reporter.report(error, { where: 'files', componentStack: '\n    at FilesPanel\n    at SidePanel' })).toBe(true);
    expect(sent).toHaveLength(1);
    const [{ token, report }] = sent as [{ token: string; report: ClientErrorReport }];
    expect(token).toBe('tok');
    expect(report.message).toBe("TypeError: Cannot read properties of undefined (reading 'name') [files]");
    expect(report.page).toBe('/r/abcd-efgh-jkmn');
    expect(report.version).toBe('0.1.0');
    expect(report.stack).toContain('TypeError');
    expect(report.stack).toContain('Component stack:\nat FilesPanel\n    at SidePanel');
  });

  it('drops reports while there is no token (nothing to report with)', () => {
    const { reporter, sent, setToken } = setup();
    setToken(null);
    expect(reporter.report(new Error('before joining'))).toBe(false);
    setToken('tok');
    expect(reporter.report(new Error('before joining'))).toBe(true); // dropping did not count as sent
    expect(sent).toHaveLength(1);
  });

  it('sends the same message at most once a minute', () => {
    const { reporter, sent, advance } = setup();
    reporter.report(new Error('loop'));
    advance(59_999);
    reporter.report(new Error('loop'));
    reporter.report(new Error('another'));
    expect(sent.map((s) => s.report.message)).toEqual(['loop', 'another']);
    advance(1);
    reporter.report(new Error('loop'));
    expect(sent.map((s) => s.report.message)).toEqual(['loop', 'another', 'loop']);
  });

  it('sends at most 10 reports per page load', () => {
    const { reporter, sent, advance } = setup();
    for (let i = 0; i < 25; i += 1) {
      reporter.report(new Error(`error ${i}`));
      advance(61_000);
    }
    expect(sent).toHaveLength(10);
    expect(sent.at(-1)?.report.message).toBe('error 9');
  });

  it('stops after a 429 until its Retry-After has passed', async () => {
    const { reporter, send, advance } = setup();
    send.mockRejectedValueOnce(new ApiError('rate_limited', 'slow down', 429, 30));
    reporter.report(new Error('first'));
    await flush();
    expect(reporter.report(new Error('second'))).toBe(false);
    advance(30_000);
    expect(reporter.report(new Error('third'))).toBe(true);
  });

  it('swallows a failed send with a warning, and never throws', async () => {
    const { reporter, warnings } = setup({
      send: async () => {
        throw new ApiError('unreachable', 'The Parlor server did not answer.');
      },
    });
    expect(reporter.report(new Error('x'))).toBe(true);
    await flush();
    expect(warnings).toHaveLength(1);
    const broken = setup({
      page: () => {
        throw new Error('no location');
      },
    });
    expect(() => broken.reporter.report(new Error('y'))).not.toThrow();
    expect(broken.warnings).toHaveLength(1);
  });

  it('cuts long fields to the server limits', () => {
    const { reporter, sent } = setup({ version: 'v'.repeat(100) });
    const error = new Error('m'.repeat(5_000));
    error.stack = 's'.repeat(20_000);
    reporter.report(error);
    const { report } = sent[0]!;
    expect(report.message).toHaveLength(1_000);
    expect(report.stack).toHaveLength(8_000);
    expect(report.version).toHaveLength(64);
  });
});

describe('describeError', () => {
  it('says what was thrown, whatever it was', () => {
    expect(describeError(new Error('plain'))).toBe('plain');
    expect(describeError(new RangeError('too far'))).toBe('RangeError: too far');
    expect(describeError('a string')).toBe('a string');
    expect(describeError(undefined)).toBe('undefined');
    expect(describeError({ code: 7 })).toBe('{"code":7}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeError(cyclic)).toBe('An error that could not be described');
  });
});

describe('uncaught errors and unhandled rejections', () => {
  it('are reported from the window; aborted requests and browser noise are not', () => {
    const target = new EventTarget();
    const reported: string[] = [];
    const stop = reportUncaughtErrors(target as unknown as Window, {
      report: (error, context) => {
        reported.push(`${describeError(error)} (${context?.where})`);
        return true;
      },
    });
    const error = Object.assign(new Event('error'), { error: new Error('boom'), message: 'Uncaught Error: boom' });
    target.dispatchEvent(error);
    target.dispatchEvent(Object.assign(new Event('unhandledrejection'), { reason: new TypeError('not a function') }));
    target.dispatchEvent(Object.assign(new Event('unhandledrejection'), { reason: new DOMException('gave up', 'AbortError') }));
    target.dispatchEvent(Object.assign(new Event('error'), { message: 'ResizeObserver loop completed with undelivered notifications.' }));
    expect(reported).toEqual(['boom (uncaught)', 'TypeError: not a function (unhandled rejection)']);
    stop();
    target.dispatchEvent(error);
    expect(reported).toHaveLength(2);
  });
});

describe('POST /api/client-errors', () => {
  it('carries the bearer token and the report as JSON', async () => {
    const fetch = vi.fn(async (_path: string, _init?: RequestInit) => new Response(null, { status: 204 }));
    vi.stubGlobal('fetch', fetch);
    await sendClientError('tok', { message: 'boom', page: '/r/abcd-efgh-jkmn', version: '0.1.0' });
    const [path, init] = fetch.mock.calls[0]!;
    expect(path).toBe('/api/client-errors');
    expect(init?.method).toBe('POST');
    expect((init?.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(JSON.parse(init?.body as string)).toEqual({ message: 'boom', page: '/r/abcd-efgh-jkmn', version: '0.1.0' });
  });
});
