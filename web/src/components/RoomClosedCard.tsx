import { useEffect, useRef } from 'react';
import { followLink } from '../lib/router';
import { backToJoinCard } from '../store/roomSession';

/**
 * Why this room stays shut to us, in words: the creator removed us (for good, in this
 * browser), or the room is locked (someone inside may unlock it: "Try again").
 */
export function RoomClosedCard({ reason }: { reason: 'removed' | 'locked' }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // The page changed under the reader (a removal arrives unasked): move focus to the news.
    heading.current?.focus();
  }, [reason]);
  return (
    <section className="card problem-card" aria-labelledby="closed-title" data-closed-reason={reason}>
      <h1 id="closed-title" className="card-title" ref={heading} tabIndex={-1}>
        {reason === 'removed' ? 'You were removed from this room' : 'This room is locked'}
      </h1>
      <p className="problem-message" role="alert">
        {reason === 'removed' ? "The room's creator removed you, so this link no longer lets you in." : 'Only people who are already in it can come back.'}
      </p>
      <p className="muted">
        {reason === 'removed'
          ? 'You can start a new room of your own from the start page.'
          : 'Ask someone in the room to unlock it, then try again.'}
      </p>
      <div className="actions">
        {reason === 'locked' && (
          <button type="button" className="button primary" onClick={backToJoinCard}>
            Try again
          </button>
        )}
        <a className={reason === 'locked' ? 'button secondary' : 'button primary'} href="/" onClick={followLink}>
          Go to the start page
        </a>
      </div>
    </section>
  );
}
