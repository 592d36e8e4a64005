import { useState, type FormEvent } from 'react';
import { formatRoomCode } from '../lib/roomCode';
import { memory } from '../lib/storage';
import { joinWithName } from '../store/roomSession';
import { roomStore, useRoom } from '../store/roomStore';
import { NameField } from './NameField';

/** Shown to a visitor who is not a member of the room yet. */
export function JoinCard({ code }: { code: string }) {
  const [name, setName] = useState(() => memory.name());
  const joining = useRoom((s) => s.phase.kind === 'joining');
  const notice = useRoom((s) => (s.phase.kind === 'join' ? s.phase.notice : null));
  const error = useRoom((s) => s.joinError);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!joining) void joinWithName(name);
  }

  return (
    <section className="card join-card" aria-labelledby="join-title">
      <h1 id="join-title" className="card-title">
        Join this room
      </h1>
      <p className="muted">
        You're joining room <span className="inline-code">{formatRoomCode(code)}</span>. Others in the room will see
        your name.
      </p>
      {notice !== null && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form className="stack" onSubmit={submit} noValidate>
        <NameField
          value={name}
          onChange={(value) => {
            setName(value);
            if (error !== null) roomStore.setState({ joinError: null });
          }}
          error={error}
          autoFocus
        />
        <button type="submit" className="button primary wide" aria-busy={joining} disabled={joining}>
          {joining ? 'Joining…' : 'Join room'}
        </button>
      </form>
    </section>
  );
}
