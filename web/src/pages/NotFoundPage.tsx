import { useEffect } from 'react';
import { Brand } from '../components/Brand';
import { followLink } from '../lib/router';

export function NotFoundPage() {
  useEffect(() => {
    document.title = 'Page not found — Parlor';
  }, []);
  return (
    <div className="room-page">
      <header className="room-header">
        <Brand />
      </header>
      <main className="room-center">
        <section className="card problem-card" aria-labelledby="problem-title">
          <h1 id="problem-title" className="card-title">
            Page not found
          </h1>
          <p className="problem-message">There is nothing at this address. Rooms live at /r/ followed by their code.</p>
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
