/**
 * Error boundaries in a live React root (a minimal fake DOM: fakeDom.ts), because only a
 * client render catches errors and remounts: a part that throws shows "Something went
 * wrong" and "Try again" in its place, the rest of the page stays, and the error is
 * reported to the server.
 */
import { act, useState, type ReactNode } from 'react';
import type { Root } from 'react-dom/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { failComponent } from '../lib/failures';
import { startClientTelemetry } from '../telemetry/clientTelemetry';
import { createFakeWindow, FakeElement, type FakeDocument } from './fakeDom';

let createRoot: typeof import('react-dom/client').createRoot;
let ErrorBoundary: typeof import('./ErrorBoundary').ErrorBoundary;
let SidePanel: typeof import('./SidePanel').SidePanel;
let document: FakeDocument;
let container: FakeElement;
let root: Root;
let token: string | null = 'tok';
let stopTelemetry: () => void = () => {};
const fetchCalls: { path: string; body: unknown; authorization: string | undefined }[] = [];

beforeAll(async () => {
  const fake = createFakeWindow('/r/abcd-efgh-jkmn');
  document = fake.document;
  vi.stubGlobal('window', fake.window);
  vi.stubGlobal('document', fake.document);
  vi.stubGlobal('IS_REACT_ACT_ENVIRONMENT', true);
  if (typeof navigator === 'undefined') vi.stubGlobal('navigator', { userAgent: 'Node.js' });
  // react-dom decides whether it runs in a browser when it loads: load it after the stubs.
  ({ createRoot } = await import('react-dom/client'));
  ({ ErrorBoundary } = await import('./ErrorBoundary'));
  ({ SidePanel } = await import('./SidePanel'));
});

afterAll(() => {
  vi.unstubAllGlobals();
});

beforeEach(() => {
  container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container as unknown as HTMLElement);
  fetchCalls.length = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string, init?: RequestInit) => {
      fetchCalls.push({
        path,
        body: JSON.parse(String(init?.body)),
        authorization: (init?.headers as Record<string, string> | undefined)?.Authorization,
      });
      return new Response(null, { status: 204 });
    }),
  );
  // React logs what a boundary caught; the test says what it expects instead.
  vi.spyOn(console, 'error').mockImplementation(() => {});
  stopTelemetry = startClientTelemetry({ token: () => token });
});

afterEach(() => {
  act(() => root.unmount());
  document.body.removeChild(container);
  stopTelemetry();
  vi.restoreAllMocks();
});

const byText = (text: string) => container.findAll((el) => el.childNodes.some((child) => child.nodeType === 3 && child.textContent === text));
const buttons = (name: string) => container.findAll((el) => el.tagName === 'BUTTON' && el.textContent === name);
const byTestId = (id: string) => container.findAll((el) => el.getAttribute('data-testid') === id)[0];

/** Stands in for the call stage: state that would be lost if it were remounted. */
function Stage() {
  const [clicks, setClicks] = useState(0);
  return (
    <section data-testid="stage">
      <p>In the call</p>
      <button type="button" onClick={() => setClicks((n) => n + 1)}>
        Pressed {clicks}
      </button>
    </section>
  );
}

let filesThrow = false;
let filesMounts = 0;
function Files() {
  filesMounts += 1;
  if (filesThrow) throw new TypeError("Cannot read properties of undefined (reading 'filename')");
  return <p data-testid="files">No files yet.</p>;
}

function Room({ children }: { children?: ReactNode }) {
  return (
    <main>
      <ErrorBoundary name="call" explanation="The call view stopped working.">
        <Stage />
      </ErrorBoundary>
      <aside>
        <ErrorBoundary name="files" explanation="The Files panel stopped working. The call and the rest of the room keep going.">
          <Files />
        </ErrorBoundary>
        {children}
      </aside>
    </main>
  );
}

describe('a part of the room that throws', () => {
  it('shows "Something went wrong" and "Try again" in its place while the call stage stays as it was', () => {
    filesThrow = false;
    act(() => root.render(<Room />));
    act(() => buttons('Pressed 0')[0]!.click());
    expect(buttons('Pressed 1')).toHaveLength(1);

    filesThrow = true;
    act(() => root.render(<Room />)); // the same tree again: a re-render, as a store update causes

    expect(byTestId('files')).toBeUndefined();
    const alert = container.findAll((el) => el.getAttribute('role') === 'alert');
    expect(alert).toHaveLength(1);
    expect(alert[0]!.textContent).toBe(
      'Something went wrongThe Files panel stopped working. The call and the rest of the room keep going.',
    );
    const tryAgain = buttons('Try again');
    expect(tryAgain).toHaveLength(1);
    expect(tryAgain[0]!.getAttribute('type')).toBe('button');
    // Nothing had focus: it goes to "Try again", so the keyboard can act at once.
    expect(document.activeElement).toBe(tryAgain[0]);

    // The sibling: still there, with its state.
    expect(byTestId('stage')).toBeDefined();
    expect(buttons('Pressed 1')).toHaveLength(1);
  });

  it('"Try again" mounts the part afresh', () => {
    filesThrow = true;
    act(() => root.render(<Room />));
    expect(buttons('Try again')).toHaveLength(1);
    filesThrow = false;
    const before = filesMounts;
    act(() => buttons('Try again')[0]!.click());
    expect(filesMounts).toBeGreaterThan(before);
    expect(byTestId('files')?.textContent).toBe('No files yet.');
    expect(byText('Something went wrong')).toHaveLength(0);
  });

  it("reports the error to the server with the room's token, the page and the part", async () => {
    filesThrow = true;
    act(() => root.render(<Room />));
    await vi.waitFor(() => expect(fetchCalls).toHaveLength(1));
    const [call] = fetchCalls;
    expect(call!.path).toBe('/api/client-errors');
    expect(call!.authorization).toBe('Bearer tok');
    expect(call!.body).toMatchObject({
      message: "TypeError: Cannot read properties of undefined (reading 'filename') [files]",
      page: '/r/abcd-efgh-jkmn',
      version: expect.any(String),
    });
    expect((call!.body as { stack: string }).stack).toContain('Component stack:');
  });
});

describe('the test hook', () => {
  it("failComponent('files') fails the Files panel alone, once; 'Try again' brings it back", async () => {
    filesThrow = false;
    act(() => root.render(<Room />));
    act(() => failComponent('files'));
    expect(byTestId('files')).toBeUndefined();
    expect(byText('Something went wrong')).toHaveLength(1);
    expect(byTestId('stage')).toBeDefined();
    await vi.waitFor(() => expect(fetchCalls).toHaveLength(1));
    expect((fetchCalls[0]!.body as { message: string }).message).toContain('InjectedFailure');

    act(() => buttons('Try again')[0]!.click());
    expect(byTestId('files')?.textContent).toBe('No files yet.');
  });

  it("failComponent('call') leaves the Files panel working", () => {
    filesThrow = false;
    act(() => root.render(<Room />));
    act(() => failComponent('call'));
    expect(byTestId('stage')).toBeUndefined();
    expect(byTestId('files')?.textContent).toBe('No files yet.');
    expect(byText('The call view stopped working.')).toHaveLength(1);
  });

  it('in the real side panel, a failed Files tab leaves the tabs and People working', () => {
    act(() => root.render(<SidePanel />));
    expect(buttons('Upload files')).toHaveLength(1);
    act(() => failComponent('files'));
    expect(buttons('Upload files')).toHaveLength(0);
    const filesPanel = container.findAll((el) => el.getAttribute('id') === 'panel-files')[0]!;
    expect(filesPanel.textContent).toContain('Something went wrong');
    const peoplePanel = container.findAll((el) => el.getAttribute('id') === 'panel-people')[0]!;
    expect(peoplePanel.textContent).not.toContain('Something went wrong');
    expect(peoplePanel.childNodes.length).toBeGreaterThan(0);
    expect(container.findAll((el) => el.getAttribute('role') === 'tab').map((tab) => tab.getAttribute('aria-selected'))).toEqual([
      'true',
      'false',
      'false',
    ]);
  });

  it('without a token nothing is reported', async () => {
    token = null;
    try {
      filesThrow = true;
      act(() => root.render(<Room />));
      expect(buttons('Try again')).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(fetchCalls).toEqual([]);
    } finally {
      token = 'tok';
    }
  });
});
