import { useEffect, useRef } from 'react';
import { CallStage } from '../components/CallStage';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { JoinCard } from '../components/JoinCard';
import { RoomClosedCard } from '../components/RoomClosedCard';
import { RoomHeader } from '../components/RoomHeader';
import { SidePanel } from '../components/SidePanel';
import { cancelAllUploads } from '../files/fileSession';
import { formatRoomCode } from '../lib/roomCode';
import { followLink } from '../lib/router';
import { openRoom, retryRoom } from '../store/roomSession';
import { useRoom, type RoomPhase } from '../store/roomStore';

function RoomProblem({ phase }: { phase: Extract<RoomPhase, { kind: 'failed' }> }) {
  return (
    <main className="room-center">
      <section className="card problem-card" aria-labelledby="problem-title">
        <h1 id="problem-title" className="card-title">
          {phase.unknownRoom ? 'Room not found' : "Can't open this room"}
        </h1>
        <p className="problem-message" role="alert">
          {phase.message}
        </p>
        {phase.unknownRoom && (
          <p className="muted">Check the code with whoever shared it, or start a new room of your own.</p>
        )}
        <div className="actions">
          {phase.retryable && (
            <button type="button" className="button primary" onClick={retryRoom}>
              Try again
            </button>
          )}
          <a className={phase.retryable ? 'button secondary' : 'button primary'} href="/" onClick={followLink}>
            Go to the start page
          </a>
        </div>
      </section>
    </main>
  );
}

export function RoomPage({ code }: { code: string }) {
  const phase = useRoom((s) => s.phase);
  const stageHeading = useRef<HTMLHeadingElement>(null);
  const cameFromJoinCard = useRef(false);

  useEffect(() => openRoom(code), [code]);

  // Uploads belong to being in the room: leaving it, or losing our place in it, stops them.
  const inRoom = phase.kind === 'in-room';
  useEffect(() => (inRoom ? cancelAllUploads : undefined), [inRoom]);

  useEffect(() => {
    document.title = `Room ${formatRoomCode(code)} — Parlor`;
  }, [code]);

  useEffect(() => {
    if (phase.kind === 'joining') cameFromJoinCard.current = true;
    // The join card's button disappears as we enter; keep keyboard focus somewhere sensible.
    if (phase.kind === 'in-room' && cameFromJoinCard.current) {
      cameFromJoinCard.current = false;
      stageHeading.current?.focus();
    }
  }, [phase.kind]);

  const unknownRoom = phase.kind === 'failed' && phase.unknownRoom;

  return (
    <div className={`room-page${phase.kind === 'in-room' ? ' in-room' : ''}`}>
      <RoomHeader code={code} showCopy={!unknownRoom} />
      {phase.kind === 'failed' && <RoomProblem phase={phase} />}
      {(phase.kind === 'removed' || phase.kind === 'locked') && (
        <main className="room-center">
          <RoomClosedCard reason={phase.kind} />
        </main>
      )}
      {(phase.kind === 'checking' || phase.kind === 'entering') && (
        <main className="room-center" aria-busy="true">
          <p className="loading">
            <span className="spinner" aria-hidden="true" />
            Opening room…
          </p>
        </main>
      )}
      {(phase.kind === 'join' || phase.kind === 'joining') && (
        <main className="room-center">
          <JoinCard code={code} />
        </main>
      )}
      {phase.kind === 'in-room' && (
        <main className="room-layout">
          <ErrorBoundary
            name="call"
            className="stage"
            explanation="The call view stopped working. You are still in the call, and the rest of the room keeps going; try again to see and hear it."
          >
            <CallStage code={code} ref={stageHeading} />
          </ErrorBoundary>
          <SidePanel />
        </main>
      )}
    </div>
  );
}
