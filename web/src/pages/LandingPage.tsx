import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/http';
import { Brand } from '../components/Brand';
import { NameField } from '../components/NameField';
import { checkDisplayName } from '../lib/displayName';
import { errorText } from '../lib/errorText';
import { extractRoomCode, roomPath } from '../lib/roomCode';
import { navigate } from '../lib/router';
import { memory } from '../lib/storage';
import { createRoomAs, joinFromLanding } from '../store/roomSession';

export function LandingPage() {
  const [name, setName] = useState(() => memory.name());
  const [nameError, setNameError] = useState<string | null>(null);
  const [createError, setCreateError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [codeInput, setCodeInput] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);

  useEffect(() => {
    document.title = 'Parlor';
  }, []);

  function changeName(value: string) {
    setName(value);
    setNameError(null);
    const check = checkDisplayName(value);
    if (check.ok) memory.rememberName(check.name);
  }

  async function create(event: FormEvent) {
    event.preventDefault();
    if (creating) return;
    setCreateError(null);
    const check = checkDisplayName(name);
    if (!check.ok) {
      setNameError(check.message);
      return;
    }
    setCreating(true);
    try {
      const session = await createRoomAs(check.name);
      navigate(roomPath(session.room.code));
    } catch (error) {
      const message = errorText(error);
      if (error instanceof ApiError && error.code === 'invalid_display_name') setNameError(message);
      else setCreateError(message);
      setCreating(false);
    }
  }

  function join(event: FormEvent) {
    event.preventDefault();
    const code = extractRoomCode(codeInput);
    if (code === null) {
      setCodeError(
        codeInput.trim() === ''
          ? 'Enter the room code you were given, or paste the link.'
          : 'That is not a room code. Codes look like abcd-efgh-jkmn; a link works too.',
      );
      return;
    }
    // With a name already typed, the room page joins with it at once (no second card asking).
    const check = checkDisplayName(name);
    if (check.ok) joinFromLanding(code, check.name);
    navigate(roomPath(code));
  }

  return (
    <div className="landing">
      <main className="landing-main">
        <header className="landing-intro">
          <Brand asLink={false} />
          <h1 className="landing-title">A room of your own, one link away.</h1>
          <p className="landing-tagline">
            Parlor gives your group a private room: share the link, see who is there, pass files around and start a
            call when you are ready. No sign-up.
          </p>
        </header>

        <div className="card landing-card">
          <form className="stack" onSubmit={(event) => void create(event)} noValidate aria-labelledby="create-title">
            <h2 id="create-title" className="section-title">
              Start a new room
            </h2>
            <NameField value={name} onChange={changeName} error={nameError} />
            {createError !== null && (
              <p className="form-error" role="alert">
                {createError}
              </p>
            )}
            <button type="submit" className="button primary wide" aria-busy={creating} disabled={creating}>
              {creating ? 'Creating room…' : 'Create room'}
            </button>
          </form>

          <div className="divider" role="presentation">
            <span>or</span>
          </div>

          <form className="stack" onSubmit={join} noValidate aria-labelledby="join-title">
            <h2 id="join-title" className="section-title">
              Join a room
            </h2>
            <div className="field">
              <label htmlFor="room-code-input">Room code or link</label>
              <div className="input-row">
                <input
                  id="room-code-input"
                  type="text"
                  inputMode="text"
                  autoComplete="off"
                  autoCapitalize="none"
                  spellCheck={false}
                  className="mono-input"
                  placeholder="abcd-efgh-jkmn"
                  value={codeInput}
                  onChange={(event) => {
                    setCodeInput(event.target.value);
                    setCodeError(null);
                  }}
                  aria-invalid={codeError !== null}
                  aria-describedby={codeError !== null ? 'room-code-error' : undefined}
                />
                <button type="submit" className="button secondary">
                  Join room
                </button>
              </div>
              {codeError !== null && (
                <p id="room-code-error" className="field-error" role="alert">
                  {codeError}
                </p>
              )}
            </div>
          </form>
        </div>
      </main>
      <footer className="landing-footer">
        <p>Self-hosted. Rooms live on this server only.</p>
      </footer>
    </div>
  );
}
