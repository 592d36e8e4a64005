import { forwardRef, useEffect, useRef, type Ref } from 'react';
import type { CallInfo } from '../api/types';
import { useCall } from '../call/callStore';
import { useCallSession } from '../call/hooks';
import { initials } from '../lib/initials';
import { formatRoomCode, roomPath } from '../lib/roomCode';
import { nameOf, useRoom } from '../store/roomStore';
import { CallToolbar } from './CallToolbar';
import { Icon } from './icons';
import { PreJoinPanel } from './PreJoinPanel';
import { VideoGrid } from './VideoGrid';

/**
 * The main stage: no call → "Start call"; a call without us → who is in it and "Join call";
 * in the call → the video grid and its toolbar.
 */
export const CallStage = forwardRef<HTMLHeadingElement, { code: string }>(function CallStage({ code }, headingRef) {
  const phase = useCall((s) => s.phase);
  const call = useRoom((s) => s.call);
  const view = phase === 'in-call' ? 'in-call' : call !== null ? 'lobby' : 'no-call';
  const ownHeading = useRef<HTMLHeadingElement | null>(null);
  const setHeading = (element: HTMLHeadingElement | null) => {
    ownHeading.current = element;
    if (typeof headingRef === 'function') headingRef(element);
    else if (headingRef !== null) headingRef.current = element;
  };
  const firstView = useRef(true);
  useEffect(() => {
    // The button that was pressed ("Join call", "Leave call"…) is gone with the view it was
    // in; keep keyboard focus on the stage instead of letting it fall back to the page.
    if (firstView.current) {
      firstView.current = false;
      return;
    }
    if (document.activeElement === null || document.activeElement === document.body) ownHeading.current?.focus();
  }, [view]);
  if (view === 'in-call') return <InCall headingRef={setHeading} />;
  if (call !== null) return <CallLobby call={call} headingRef={setHeading} />;
  return <NoCall code={code} headingRef={setHeading} />;
});

/** Problems with the call in words (call full, camera blocked…), where they happen. */
export function CallNotice() {
  const notice = useCall((s) => s.notice);
  const session = useCallSession();
  if (notice === null) return null;
  return (
    <div className={`call-notice call-notice-${notice.kind}`} role="alert">
      <Icon name="alert" className="icon call-notice-icon" />
      <div className="call-notice-text">
        <p className="call-notice-title">{notice.title}</p>
        {notice.help !== null && <p className="call-notice-help">{notice.help}</p>}
      </div>
      <button type="button" className="icon-button" onClick={() => session?.dismissNotice()} aria-label="Dismiss message">
        <Icon name="close" />
      </button>
    </div>
  );
}

function NoCall({ code, headingRef }: { code: string; headingRef: Ref<HTMLHeadingElement> }) {
  const othersHere = useRoom((s) => s.members.filter((m) => m.id !== s.selfId && m.online).length);
  const starting = useCall((s) => s.phase === 'starting');
  const online = useRoom((s) => s.connection === 'connected');
  const session = useCallSession();
  const host = window.location.host;
  const path = roomPath(code);
  return (
    <section className="stage" aria-labelledby="stage-title">
      <div className="stage-empty">
        <p className="eyebrow">Room code</p>
        <h1 id="stage-title" className="stage-code" tabIndex={-1} ref={headingRef}>
          {formatRoomCode(code)}
        </h1>
        <p className="stage-hint">Share the link to invite people</p>
        <p className="stage-link">
          <span className="visually-hidden">Room link: </span>
          {host}
          <wbr />
          {path}
        </p>
        <p className="stage-presence">
          {othersHere === 0
            ? 'Only you are here right now.'
            : `${othersHere} ${othersHere === 1 ? 'other person is' : 'other people are'} here with you.`}
        </p>
        <div className="stage-actions">
          <button
            type="button"
            className="button primary large"
            onClick={() => void session?.start()}
            disabled={starting || !online}
            aria-busy={starting}
          >
            <Icon name="video" />
            Start call
          </button>
          <p className="stage-note">Everyone in the room can see the call and choose to join.</p>
        </div>
        <CallNotice />
      </div>
    </section>
  );
}

function listNames(names: string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function CallLobby({ call, headingRef }: { call: CallInfo; headingRef: Ref<HTMLHeadingElement> }) {
  const members = useRoom((s) => s.members);
  const selfId = useRoom((s) => s.selfId);
  const online = useRoom((s) => s.connection === 'connected');
  const joining = useCall((s) => s.phase === 'joining');
  const session = useCallSession();
  const names = call.participants.map((p) => nameOf(members, p.memberId, selfId));
  useEffect(() => {
    if (session === null) return;
    // Camera and microphone open here when the site may already use them, so "Join call"
    // waits for nothing; the light goes off again if the person does not join.
    void session.startPreviewIfAllowed();
    session.prepareJoin();
    return () => session.stopPreview();
  }, [session]);
  const count = names.length;
  const title =
    count === 0 ? 'A call is on' : `${listNames(names)} ${count === 1 && names[0] !== 'You' ? 'is' : 'are'} in the call`;
  return (
    <section className="stage" aria-labelledby="stage-title">
      <div className="stage-empty">
        <p className="eyebrow">
          <span className="live-dot" aria-hidden="true" />
          Call in progress
        </p>
        <h1 id="stage-title" className="lobby-title" tabIndex={-1} ref={headingRef}>
          {title}
        </h1>
        {count > 0 && (
          <ul className="lobby-people" aria-label="In the call">
            {call.participants.map((p, i) => (
              <li key={p.memberId} className="lobby-person" data-member-id={p.memberId}>
                <span className="avatar" aria-hidden="true">
                  {initials(names[i]!)}
                </span>
                <span className="lobby-name">{names[i]}</span>
              </li>
            ))}
          </ul>
        )}
        <CallPrejoin />
        <div className="stage-actions">
          <button
            type="button"
            className="button primary large"
            onClick={() => void session?.join()}
            onPointerEnter={() => session?.prepareJoin()}
            onFocus={() => session?.prepareJoin()}
            disabled={joining || !online}
            aria-busy={joining}
          >
            <Icon name="video" />
            Join call
          </button>
          <p className="stage-note">You can turn your camera and microphone off in the call.</p>
        </div>
        <CallNotice />
      </div>
    </section>
  );
}

/** The pre-join panel, fed from the call session. */
function CallPrejoin() {
  const session = useCallSession();
  const prejoin = useCall((s) => s.prejoin);
  const cameras = useCall((s) => s.cameras);
  const microphones = useCall((s) => s.microphones);
  const cameraId = useCall((s) => s.cameraId);
  const microphoneId = useCall((s) => s.microphoneId);
  if (session === null) return null;
  return (
    <PreJoinPanel
      preview={prejoin.stream}
      starting={prejoin.starting}
      problem={prejoin.problem}
      cameras={cameras}
      microphones={microphones}
      cameraId={cameraId}
      microphoneId={microphoneId}
      onChooseCamera={(id) => void session.chooseCamera(id)}
      onChooseMicrophone={(id) => void session.chooseMicrophone(id)}
      onStartPreview={() => session.startPreview()}
      testConnection={() => session.testConnection()}
    />
  );
}

function InCall({ headingRef }: { headingRef: Ref<HTMLHeadingElement> }) {
  const count = useRoom((s) => s.call?.participants.length ?? 1);
  return (
    <section className="stage stage-call" aria-labelledby="stage-title">
      <h1 id="stage-title" className="visually-hidden" tabIndex={-1} ref={headingRef}>
        In the call, {count} {count === 1 ? 'person' : 'people'}
      </h1>
      <CallNotice />
      <VideoGrid />
      <CallToolbar />
    </section>
  );
}
