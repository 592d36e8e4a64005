import type { Member } from '../api/types';
import { orderedMembers, useRoom } from '../store/roomStore';

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]!, parts[parts.length - 1]!] : parts;
  return letters.map((part) => Array.from(part)[0]?.toUpperCase() ?? '').join('') || '?';
}

function MemberRow({ member, isSelf }: { member: Member; isSelf: boolean }) {
  return (
    <li className="member" data-member-id={member.id} data-self={isSelf ? 'true' : undefined}>
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
    </li>
  );
}

/** People in the room: you first, then in order of joining. */
export function MemberList() {
  const members = useRoom((s) => s.members);
  const selfId = useRoom((s) => s.selfId);
  return (
    <ul className="member-list" aria-label="People in this room">
      {orderedMembers(members, selfId).map((member) => (
        <MemberRow key={member.id} member={member} isSelf={member.id === selfId} />
      ))}
    </ul>
  );
}
