/** What the pre-join panel renders for a given state (static markup: no DOM needed). */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { ConnectionCheck } from '../call/connectionCheck';
import { ConnectionTest, joinsWith, PreJoinPanel, type PreJoinPanelProps } from './PreJoinPanel';

const text = (html: string) => html.replace(/<[^>]+>/g, '');

function stream(kinds: { audio: boolean; video: boolean }): MediaStream {
  const audio = kinds.audio ? [{ kind: 'audio', id: 'a1' } as unknown as MediaStreamTrack] : [];
  const video = kinds.video ? [{ kind: 'video', id: 'v1' } as unknown as MediaStreamTrack] : [];
  return { getAudioTracks: () => audio, getVideoTracks: () => video, getTracks: () => [...audio, ...video] } as unknown as MediaStream;
}

const result: ConnectionCheck = {
  direct: 'works',
  relay: 'works',
  summary: 'Calls will work from this network.',
  details: ['Direct calls: will work from this network.', 'Relayed calls: will work (through the relay server).'],
};

function props(overrides: Partial<PreJoinPanelProps> = {}): PreJoinPanelProps {
  return {
    preview: null,
    starting: false,
    problem: null,
    cameras: [
      { id: 'cam-1', label: 'Front camera' },
      { id: 'cam-2', label: 'USB camera' },
    ],
    microphones: [{ id: 'mic-1', label: 'Headset' }],
    cameraId: 'cam-2',
    microphoneId: null,
    onChooseCamera: () => {},
    onChooseMicrophone: () => {},
    onStartPreview: () => {},
    testConnection: async () => result,
    ...overrides,
  };
}

const render = (overrides: Partial<PreJoinPanelProps> = {}) => renderToStaticMarkup(<PreJoinPanel {...props(overrides)} />);

describe('the pre-join panel', () => {
  it('before any preview: offers "Preview camera and microphone", with devices and "Test connection"', () => {
    const html = render();
    expect(html).toContain('>Preview camera and microphone</button>');
    expect(html).not.toContain('<video');
    expect(html).toMatch(/<label for="([^"]+)">Camera<\/label><select id="\1"/);
    expect(html).toMatch(/<label for="([^"]+)">Microphone<\/label><select id="\1"/);
    expect(html).toContain('<option value="cam-2" selected="">USB camera</option>');
    expect(html).toContain('<option value="mic-1" selected="">Headset</option>');
    expect(html).toContain('role="meter" aria-label="Microphone level"');
    expect(html).toContain('aria-valuetext="No microphone"');
    expect(text(html)).toContain('Test connection');
    expect(html).not.toContain('role="alert"');
    // No "Join call" here: the stage keeps it.
    expect(text(html)).not.toContain('Join call');
  });

  it('while asking for the camera: "Starting camera…" and no second request', () => {
    const html = render({ starting: true });
    expect(text(html)).toContain('Starting camera…');
    expect(html).toContain('role="status"');
    expect(html).not.toContain('Preview camera and microphone');
  });

  it('with a preview: a mirrored, muted, inline video and a microphone meter', () => {
    const html = render({ preview: stream({ audio: true, video: true }) });
    expect(html).toMatch(/<video[^>]*class="prejoin-video"/);
    expect(html).toMatch(/<video[^>]*playsInline|<video[^>]*playsinline/);
    expect(html).toMatch(/<video[^>]*autoplay/i);
    expect(html).not.toContain('Preview camera and microphone');
    expect(html).toContain('aria-valuenow="0"');
    expect(html).toContain('aria-valuetext="0%, silent"');
  });

  it('says what is blocked and how to allow it, as an alert, and offers to try again', () => {
    const html = render({
      preview: stream({ audio: true, video: false }),
      problem: { title: 'Your camera is blocked for this site.', help: 'Click the lock icon in the address bar.' },
    });
    expect(html).toContain('role="alert"');
    expect(text(html)).toContain('Your camera is blocked for this site.');
    expect(text(html)).toContain('Click the lock icon in the address bar.');
    expect(text(html)).toContain('No camera picture');
    expect(html).toContain('>Preview camera and microphone</button>');
    // …and that joining still works, with what there is.
    expect(text(html)).toContain('You can still join with your microphone only: others will hear you but not see you.');
  });

  it('says what a person joins with when something is missing', () => {
    expect(joinsWith(false, false)).toBe('You can still join to watch and listen.');
    expect(joinsWith(true, false)).toBe('You can still join with your camera only: others will see you but not hear you.');
  });

  it('with no devices found: the selects say so and cannot be used', () => {
    const html = render({ cameras: [], microphones: [] });
    expect(html).toMatch(/<select[^>]*disabled=""[^>]*><option value="" selected="">No camera found<\/option>/);
    expect(html).toContain('No microphone found');
  });
});

describe('"Test connection"', () => {
  const run = async () => result;

  it('is a button, with an empty polite live region ready for the result', () => {
    const html = renderToStaticMarkup(<ConnectionTest run={run} />);
    expect(html).toMatch(/<button type="button" class="button secondary"[^>]*>.*Test connection<\/button>/);
    expect(html).not.toContain('disabled');
    expect(html).toContain('<div class="prejoin-check-result" role="status" aria-live="polite"></div>');
  });

  it('while testing: "Testing connection…", disabled and busy', () => {
    const html = renderToStaticMarkup(<ConnectionTest run={run} initial={{ kind: 'testing' }} />);
    expect(html).toContain('disabled=""');
    expect(html).toContain('aria-busy="true"');
    expect(text(html)).toContain('Testing connection…');
  });

  it('then the summary and each detail in a list, inside the live region', () => {
    const html = renderToStaticMarkup(<ConnectionTest run={run} initial={{ kind: 'done', result }} />);
    const region = /<div class="prejoin-check-result" role="status" aria-live="polite">(.*)<\/div>/.exec(html)?.[1] ?? '';
    expect(region).toContain('<p class="prejoin-check-summary">Calls will work from this network.</p>');
    expect(region).toContain('<li>Direct calls: will work from this network.</li>');
    expect(region).toContain('<li>Relayed calls: will work (through the relay server).</li>');
    expect(text(html)).toContain('Test connection');
  });

  it('says so when the test itself could not run', () => {
    const html = renderToStaticMarkup(<ConnectionTest run={run} initial={{ kind: 'error' }} />);
    expect(text(html)).toContain('The connection test could not run. Try again.');
  });
});
