import { useEffect, useId, useRef, useState } from 'react';
import type { ConnectionCheck } from '../call/connectionCheck';
import type { DeviceChoice } from '../call/media';
import { useVideoStream } from '../call/hooks';
import { watchMicLevel } from '../call/micLevel';
import { DeviceSelect } from './DeviceSelect';
import { Icon } from './icons';

export interface PreJoinPanelProps {
  /** Camera preview (video track) and microphone (audio track), as far as we have them. */
  preview: MediaStream | null;
  /** Asking for the camera and microphone right now. */
  starting: boolean;
  /** Camera or microphone blocked or missing, in words with how to allow it. */
  problem: { title: string; help: string } | null;
  cameras: DeviceChoice[];
  microphones: DeviceChoice[];
  cameraId: string | null;
  microphoneId: string | null;
  onChooseCamera(id: string): void;
  onChooseMicrophone(id: string): void;
  /** "Preview camera and microphone", offered while no preview runs. */
  onStartPreview(): void;
  /** "Test connection": whether direct and relayed calls will work from here. */
  testConnection(): Promise<ConnectionCheck>;
}

/**
 * Before joining a call: camera preview, microphone level, device choice and "Test
 * connection" (ui.md). Props only, so the stage decides where the stream and the check come
 * from; "Join call" stays on the stage.
 */
export function PreJoinPanel(props: PreJoinPanelProps) {
  const { preview, starting, problem } = props;
  const titleId = useId();
  const videoTrack = preview?.getVideoTracks()[0] ?? null;
  const audioTrack = preview?.getAudioTracks()[0] ?? null;
  // With a problem and no picture, asking again is how a person retries after allowing it.
  const offerStart = !starting && (preview === null || (videoTrack === null && problem !== null));
  return (
    <section className="prejoin" aria-labelledby={titleId}>
      <h2 id={titleId} className="visually-hidden">
        Before you join
      </h2>
      <div className="prejoin-body">
        <div className="prejoin-media">
          <div className="prejoin-preview">
            {videoTrack !== null && <PreviewVideo stream={preview} />}
            {videoTrack === null && (
              <div className="prejoin-placeholder">
                {starting ? (
                  <p className="prejoin-starting" role="status">
                    <span className="spinner" aria-hidden="true" />
                    Starting camera…
                  </p>
                ) : (
                  <>
                    <Icon name="videoOff" />
                    <p className="prejoin-placeholder-text">{preview === null ? 'Camera preview is off' : 'No camera picture'}</p>
                  </>
                )}
                {offerStart && (
                  <button type="button" className="button secondary small" onClick={props.onStartPreview}>
                    Preview camera and microphone
                  </button>
                )}
              </div>
            )}
          </div>
          <MicMeter track={audioTrack} />
        </div>
        <div className="prejoin-settings">
          <DeviceSelect
            label="Camera"
            none="No camera found"
            choices={props.cameras}
            value={props.cameraId}
            onChange={props.onChooseCamera}
          />
          <DeviceSelect
            label="Microphone"
            none="No microphone found"
            choices={props.microphones}
            value={props.microphoneId}
            onChange={props.onChooseMicrophone}
          />
          <ConnectionTest run={props.testConnection} />
        </div>
      </div>
      {problem !== null && (
        <div className="call-notice prejoin-problem" role="alert">
          <Icon name="alert" className="icon call-notice-icon" />
          <div className="call-notice-text">
            <p className="call-notice-title">{problem.title}</p>
            <p className="call-notice-help">{problem.help}</p>
            {!starting && <p className="call-notice-help">{joinsWith(videoTrack !== null, audioTrack !== null)}</p>}
          </div>
        </div>
      )}
    </section>
  );
}

/** What "Join call" does when camera or microphone is missing: the person still joins. */
export function joinsWith(camera: boolean, microphone: boolean): string {
  if (camera && microphone) return 'You can join with your camera and microphone.';
  if (microphone) return 'You can still join with your microphone only: others will hear you but not see you.';
  if (camera) return 'You can still join with your camera only: others will see you but not hear you.';
  return 'You can still join to watch and listen.';
}

/** Our own camera, as in a mirror, never playing our own sound back. */
function PreviewVideo({ stream }: { stream: MediaStream | null }) {
  const ref = useVideoStream(stream);
  return <video ref={ref} className="prejoin-video" aria-label="Your video preview" muted playsInline autoPlay />;
}

/** A bar that follows the microphone, with words for the level (colour is not the signal). */
export function MicMeter({ track }: { track: MediaStreamTrack | null }) {
  const [percent, setPercent] = useState(0);
  useEffect(() => {
    setPercent(0);
    if (track === null) return;
    return watchMicLevel(track, (level) => setPercent(Math.round(level * 100)));
  }, [track]);
  const words = track === null ? 'No microphone' : percent < 5 ? 'Silent' : percent < 40 ? 'Quiet' : 'Hearing you';
  return (
    <div className="prejoin-meter-row">
      <Icon name={track === null ? 'micOff' : 'mic'} className="icon icon-small" />
      <div
        className="prejoin-meter"
        role="meter"
        aria-label="Microphone level"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={track === null ? 'No microphone' : `${percent}%, ${words.toLowerCase()}`}
      >
        <div className="prejoin-meter-value" style={{ width: `${percent}%` }} />
      </div>
      <span className="prejoin-meter-text" aria-hidden="true">
        {words}
      </span>
    </div>
  );
}


export type ConnectionTestState =
  | { kind: 'idle' }
  | { kind: 'testing' }
  | { kind: 'done'; result: ConnectionCheck }
  | { kind: 'error' };

/** "Test connection", then what it found, in words, in a polite live region. */
export function ConnectionTest({
  run,
  initial = { kind: 'idle' },
}: {
  run(): Promise<ConnectionCheck>;
  /** For static rendering in tests. */
  initial?: ConnectionTestState;
}) {
  const [state, setState] = useState<ConnectionTestState>(initial);
  const button = useRef<HTMLButtonElement>(null);
  const runs = useRef(0);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  useEffect(() => {
    // Disabling the button while testing drops keyboard focus to the page; once it is enabled
    // again, give focus back unless the person has moved on to something else.
    if (state.kind === 'testing') return;
    if (document.activeElement === null || document.activeElement === document.body) {
      if (runs.current > 0) button.current?.focus();
    }
  }, [state]);

  async function test() {
    const id = ++runs.current;
    setState({ kind: 'testing' });
    let next: ConnectionTestState;
    try {
      next = { kind: 'done', result: await run() };
    } catch {
      next = { kind: 'error' };
    }
    if (!mounted.current || id !== runs.current) return;
    setState(next);
  }

  const testing = state.kind === 'testing';
  return (
    <div className="prejoin-check">
      <button
        ref={button}
        type="button"
        className="button secondary"
        onClick={() => void test()}
        disabled={testing}
        aria-busy={testing}
      >
        {testing ? (
          <>
            <span className="spinner" aria-hidden="true" />
            Testing connection…
          </>
        ) : (
          <>
            <Icon name="signal" />
            Test connection
          </>
        )}
      </button>
      <div className="prejoin-check-result" role="status" aria-live="polite">
        {state.kind === 'done' && (
          <>
            <p className="prejoin-check-summary">{state.result.summary}</p>
            <ul className="prejoin-check-details">
              {state.result.details.map((detail) => (
                <li key={detail}>{detail}</li>
              ))}
            </ul>
          </>
        )}
        {state.kind === 'error' && (
          <p className="prejoin-check-summary">The connection test could not run. Try again.</p>
        )}
      </div>
    </div>
  );
}
