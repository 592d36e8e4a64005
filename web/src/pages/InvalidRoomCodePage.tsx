import { useEffect } from 'react';
import { Brand } from '../components/Brand';
import { followLink } from '../lib/router';

/** `/r/<something that is not a code>`: say so, without asking the server. */
export function InvalidRoomCodePage({ raw }: { raw: string }) {
  useEffect(() => {
    document.title = 'Not a room code — Parlor';
  }, []);
  return (
    <div className="room-page">
      <header className="room-header">
        <Brand />
      </header>
      <main className="room-center">
        <section className="card problem-card" aria-labelledby="problem-title">
          <h1 id="problem-title" className="card-title">
            Not a room code
          </h1>
          <p className="problem-message" role="alert">
            “{raw}” is not a room code. Room codes have twelve letters and digits, like abcd-efgh-jkmn.
          </p>
          <div className="actions">
            <a className="button primary" href="/" onClick={followLink}>
              Go to the start page
            </a>
          </div>
        </section>
      </main>
    </div>
  );
}
