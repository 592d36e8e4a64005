import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { setChatOpen } from '../store/roomCommands';
import { raisedHands, useRoom } from '../store/roomStore';
import { ChatPanel } from './ChatPanel';
import { ErrorBoundary } from './ErrorBoundary';
import { FilesPanel } from './FilesPanel';
import { Icon } from './icons';
import { MemberList } from './MemberList';

type Tab = 'people' | 'chat' | 'files';

const TABS: { id: Tab; label: string }[] = [
  { id: 'people', label: 'People' },
  { id: 'chat', label: 'Chat' },
  { id: 'files', label: 'Files' },
];

/** Each tab's content, in its own ErrorBoundary: a failure there leaves the rest of the room working. */
const PANELS: { id: Tab; explanation: string; Panel: () => React.JSX.Element }[] = [
  { id: 'people', explanation: 'The list of people stopped working.', Panel: MemberList },
  { id: 'chat', explanation: 'The chat stopped working.', Panel: ChatPanel },
  { id: 'files', explanation: 'The Files panel stopped working.', Panel: FilesPanel },
];

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * A tab's badge: the number on screen, and words for screen readers ("3 people", "2 unread
 * messages", "1 hand raised"); the chat's only while something is unread.
 */
export function TabBadges({ tab, count, unread, hands }: { tab: Tab; count: number; unread: number; hands: number }) {
  if (tab === 'chat') {
    if (unread === 0) return null;
    return (
      <span className="tab-count tab-unread">
        <span aria-hidden="true">{unread}</span>
        <span className="visually-hidden">, {plural(unread, 'unread message', 'unread messages')}</span>
      </span>
    );
  }
  return (
    <>
      <span className="tab-count">
        <span aria-hidden="true">{count}</span>
        <span className="visually-hidden">, {tab === 'people' ? plural(count, 'person', 'people') : plural(count, 'file', 'files')}</span>
      </span>
      {tab === 'people' && hands > 0 && (
        <span className="tab-count tab-hands">
          <Icon name="hand" className="icon icon-small" />
          <span aria-hidden="true">{hands}</span>
          <span className="visually-hidden">, {plural(hands, 'hand raised', 'hands raised')}</span>
        </span>
      )}
    </>
  );
}

/** The side panel (a bottom section on phones) with its tabs. */
export function SidePanel() {
  const [selected, setSelected] = useState<Tab>('people');
  const tabRefs = useRef(new Map<Tab, HTMLButtonElement>());
  const memberCount = useRoom((s) => s.members.length);
  const fileCount = useRoom((s) => s.files.length);
  const unread = useRoom((s) => s.unreadMessages);
  const hands = useRoom((s) => raisedHands(s.members).length);
  const counts: Record<Tab, number> = { people: memberCount, chat: 0, files: fileCount };

  // Messages on show count as read; the others are counted on the tab.
  useEffect(() => {
    setChatOpen(selected === 'chat');
  }, [selected]);

  // Arrow keys move between tabs (WAI-ARIA tabs pattern, automatic activation).
  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = TABS.findIndex((t) => t.id === selected);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    let next = index;
    if (step !== 0) next = (index + step + TABS.length) % TABS.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = TABS.length - 1;
    else return;
    event.preventDefault();
    const tab = TABS[next]!;
    setSelected(tab.id);
    tabRefs.current.get(tab.id)?.focus();
  }

  return (
    <aside className="side-panel" aria-label="Room details">
      <div className="tabs" role="tablist" aria-label="Room details" onKeyDown={onKeyDown}>
        {TABS.map((tab) => (
          <button
            key={tab.id}
            ref={(el) => {
              if (el) tabRefs.current.set(tab.id, el);
              else tabRefs.current.delete(tab.id);
            }}
            type="button"
            role="tab"
            id={`tab-${tab.id}`}
            aria-selected={selected === tab.id}
            aria-controls={`panel-${tab.id}`}
            tabIndex={selected === tab.id ? 0 : -1}
            className="tab"
            onClick={() => setSelected(tab.id)}
          >
            {tab.label}
            <TabBadges tab={tab.id} count={counts[tab.id]} unread={unread} hands={hands} />
          </button>
        ))}
      </div>
      {/* The panels stay mounted so a tab switch loses nothing (a half-picked upload, a half-typed message). */}
      {PANELS.map(({ id, explanation, Panel }) => (
        <div
          key={id}
          role="tabpanel"
          id={`panel-${id}`}
          aria-labelledby={`tab-${id}`}
          // The chat scrolls its own history and holds the field: the panel itself takes no focus.
          className={id === 'chat' ? 'tab-panel tab-panel-chat' : 'tab-panel'}
          tabIndex={id === 'chat' ? undefined : 0}
          hidden={selected !== id}
        >
          <ErrorBoundary name={id} explanation={`${explanation} The call and the rest of the room keep going.`}>
            <Panel />
          </ErrorBoundary>
        </div>
      ))}
    </aside>
  );
}
