import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { CallInfo, Member } from '../api/types';
import { initials } from '../lib/initials';
import { commandErrorText, lowerHand, removeMember } from '../store/roomCommands';
import { orderedMembers, useRoom } from '../store/roomStore';
import { Icon } from './icons';

export interface MemberRowViewProps {
  member: Member;
  isSelf: boolean;
  inCall: boolean;
  /** We created the room and this is someone else: "Remove <name>", "Lower hand for <name>". */
  canManage: boolean;
  /** "Remove <name>" was pressed: ask to confirm in place. */
  confirmingRemove: boolean;
  busy: boolean;
  problem: string | null;
  onAskRemove(): void;
  onConfirmRemove(): void;
  onCancelRemove(): void;
  onLowerHand(): void;
}

/** One person: name, presence, "in call", a raised hand, and for the room's creator the host controls. */
export function MemberRowView(props: MemberRowViewProps) {
  const { member, isSelf, inCall, canManage, confirmingRemove, busy, problem } = props;
  const cancel = useRef<HTMLButtonElement>(null);
  const remove = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);
  const handUp = member.handRaisedAt !== null;

  useEffect(() => {
    // The safe choice has focus when the question appears; when it goes (Cancel, Escape),
    // focus goes back to "Remove <name>" rather than falling off the page with the question.
    if (confirmingRemove) cancel.current?.focus();
    else if (wasConfirming.current && (document.activeElement === null || document.activeElement === document.body)) {
      remove.current?.focus();
    }
    wasConfirming.current = confirmingRemove;
  }, [confirmingRemove]);

  function onConfirmKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === 'Escape') {
      event.preventDefault();
      props.onCancelRemove();
    }
  }

  return (
    <li
      className={`member${handUp ? ' member-hand-up' : ''}`}
      data-member-id={member.id}
      data-self={isSelf ? 'true' : undefined}
      data-in-call={inCall ? 'true' : undefined}
      data-hand-raised={handUp ? 'true' : undefined}
    >
      <span className={`avatar${isSelf ? ' avatar-self' : ''}`} aria-hidden="true">
        {initials(member.displayName)}
      </span>
      <span className="member-text">
        <span className="member-name">
          <span className="member-display-name">{member.displayName}</span>
          {isSelf && (
            <span className="you-badge">
              <span className="visually-hidden">(</span>you<span className="visually-hidden">)</span>
            </span>
          )}
        </span>
        <span className={`presence ${member.online ? 'presence-online' : 'presence-offline'}`}>
          <span className="presence-dot" aria-hidden="true" />
          {member.online ? 'online' : 'offline'}
        </span>
      </span>
      <span className="member-badges">
        {handUp && (
          <span className="hand-badge" title="Hand raised">
            <Icon name="hand" className="icon icon-small" />
            <span className="visually-hidden">, </span>
            <span className="hand-badge-text">Hand raised</span>
          </span>
        )}
        {inCall && (
          <span className="in-call-badge">
            <Icon name="video" className="icon icon-small" />
            <span className="visually-hidden">, </span>in call
          </span>
        )}
      </span>
      {canManage && !confirmingRemove && (
        // "Remove <name>" sits on the first line, "Lower hand" under the name: this order, on screen and for the keyboard.
        <span className="member-actions">
          <button
            type="button"
            ref={remove}
            className="icon-button member-remove"
            aria-label={`Remove ${member.displayName}`}
            title={`Remove ${member.displayName}`}
            onClick={props.onAskRemove}
            aria-disabled={busy || undefined}
          >
            <Icon name="close" />
          </button>
          {handUp && (
            <button type="button" className="button secondary small" onClick={props.onLowerHand} aria-disabled={busy || undefined}>
              Lower hand<span className="visually-hidden"> for {member.displayName}</span>
            </button>
          )}
        </span>
      )}
      {canManage && confirmingRemove && (
        <div className="member-confirm" role="group" aria-label={`Remove ${member.displayName}?`} onKeyDown={onConfirmKeyDown}>
          <p className="member-confirm-text">
            Remove {member.displayName} from the room? They will not be able to come back with this link.
          </p>
          <div className="member-confirm-actions">
            <button type="button" className="button danger small" onClick={props.onConfirmRemove} aria-busy={busy || undefined}>
              Remove
            </button>
            <button type="button" ref={cancel} className="button secondary small" onClick={props.onCancelRemove}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {problem !== null && (
        <p className="member-problem form-error" role="alert">
          {problem}
        </p>
      )}
    </li>
  );
}

function MemberRow({ member, isSelf, inCall, canManage }: { member: Member; isSelf: boolean; inCall: boolean; canManage: boolean }) {
  const [confirmingRemove, setConfirmingRemove] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function run(action: () => Promise<void>) {
    if (busy) return; // the buttons say aria-disabled while busy (so they keep focus), not disabled
    setBusy(true);
    setProblem(null);
    try {
      await action();
    } catch (error) {
      setProblem(commandErrorText(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <MemberRowView
      member={member}
      isSelf={isSelf}
      inCall={inCall}
      canManage={canManage}
      confirmingRemove={confirmingRemove}
      busy={busy}
      problem={problem}
      onAskRemove={() => {
        if (busy) return;
        setProblem(null);
        setConfirmingRemove(true);
      }}
      onCancelRemove={() => setConfirmingRemove(false)}
      onConfirmRemove={() =>
        void run(async () => {
          await removeMember(member.id);
          setConfirmingRemove(false);
        })
      }
      onLowerHand={() => void run(() => lowerHand(member.id))}
    />
  );
}

/** People in the room: raised hands first (in the order raised), then you, then in order of joining. */
export function PeopleList({
  members,
  selfId,
  call,
  createdBy,
}: {
  members: Member[];
  selfId: string | null;
  call: CallInfo | null;
  createdBy: string | null;
}) {
  const inCall = new Set(call?.participants.map((p) => p.memberId) ?? []);
  const host = selfId !== null && createdBy === selfId;
  const list = useRef<HTMLUListElement>(null);
  const focusInside = useRef(false);
  const count = useRef(members.length);

  useEffect(() => {
    // A row that had keyboard focus went (its person was removed, or left): focus the list
    // rather than let it fall back to the top of the page.
    const fewer = members.length < count.current;
    count.current = members.length;
    const lost = document.activeElement === null || document.activeElement === document.body;
    if (fewer && lost && focusInside.current) list.current?.focus();
  }, [members]);

  return (
    <ul
      className="member-list"
      aria-label="People in this room"
      ref={list}
      tabIndex={-1}
      onFocus={() => {
        focusInside.current = true;
      }}
      onBlur={(event) => {
        // Focus that goes nowhere (its element removed) still counts as inside.
        if (event.relatedTarget !== null && !event.currentTarget.contains(event.relatedTarget)) focusInside.current = false;
      }}
    >
      {orderedMembers(members, selfId).map((member) => (
        <MemberRow
          key={member.id}
          member={member}
          isSelf={member.id === selfId}
          inCall={inCall.has(member.id)}
          canManage={host && member.id !== selfId}
        />
      ))}
    </ul>
  );
}

export function MemberList() {
  const members = useRoom((s) => s.members);
  const selfId = useRoom((s) => s.selfId);
  const call = useRoom((s) => s.call);
  const createdBy = useRoom((s) => s.room?.createdBy ?? null);
  return <PeopleList members={members} selfId={selfId} call={call} createdBy={createdBy} />;
}
