import { forwardRef } from 'react';
import { formatRoomCode, roomPath } from '../lib/roomCode';
import { useRoom } from '../store/roomStore';

/**
 * The main stage. Seam for the call UI (later issue): "Start call" / "Join call" and the
 * video grid with its toolbar render here, fed by hooks over `src/rtc/`. Until then the
 * stage invites people in.
 */
export const CallStage = forwardRef<HTMLHeadingElement, { code: string }>(function CallStage({ code }, headingRef) {
  const othersHere = useRoom((s) => s.members.filter((m) => m.id !== s.selfId && m.online).length);
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
      </div>
    </section>
  );
});
