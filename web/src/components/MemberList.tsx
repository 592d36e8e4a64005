import type { Member } from '../api/types';
import { initials } from '../lib/initials';
import { orderedMembers, useRoom } from '../store/roomStore';
import { Icon } from './icons';

function MemberRow({ member, isSelf, inCall }: { member: Member; isSelf: boolean; inCall: boolean }) {
  return (
    <li
      className="member"
      data-member-id={member.id}
      data-self={isSelf ? 'true' : undefined}
      data-in-call={inCall ? 'true' : undefined}
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
      {inCall && (
        <span className="in-call-badge">
          <Icon name="video" className="icon icon-small" />
          <span className="visually-hidden">, </span>in call
        </span>
      )}
    </li>
  );
}

/** People in the room: you first, then in order of joining; who is in the call is marked. */
export function MemberList() {
  const members = useRoom((s) => s.members);
  const selfId = useRoom((s) => s.selfId);
  const call = useRoom((s) => s.call);
  const inCall = new Set(call?.participants.map((p) => p.memberId) ?? []);
  return (
    <ul className="member-list" aria-label="People in this room">
      {orderedMembers(members, selfId).map((member) => (
        <MemberRow key={member.id} member={member} isSelf={member.id === selfId} inCall={inCall.has(member.id)} />
      ))}
    </ul>
  );
}
