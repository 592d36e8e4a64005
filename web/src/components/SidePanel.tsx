import { useRef, useState, type KeyboardEvent } from 'react';
import { useRoom } from '../store/roomStore';
import { ErrorBoundary } from './ErrorBoundary';
import { FilesPanel } from './FilesPanel';
import { MemberList } from './MemberList';

type Tab = 'people' | 'files';

const TABS: { id: Tab; label: string }[] = [
  { id: 'people', label: 'People' },
  { id: 'files', label: 'Files' },
];

/** The side panel (a bottom section on phones) with its tabs. */
export function SidePanel() {
  const [selected, setSelected] = useState<Tab>('people');
  const tabRefs = useRef(new Map<Tab, HTMLButtonElement>());
  const memberCount = useRoom((s) => s.members.length);
  const fileCount = useRoom((s) => s.files.length);
  const counts: Record<Tab, number> = { people: memberCount, files: fileCount };

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
            <span className="tab-count" aria-hidden="true">
              {counts[tab.id]}
            </span>
          </button>
        ))}
      </div>
      {/* Both panels stay mounted so a tab switch loses nothing (a half-picked upload, focus). */}
      {/* Each panel's content sits in its own ErrorBoundary (name "people", "chat", "files"). */}
      <div
        role="tabpanel"
        id="panel-people"
        aria-labelledby="tab-people"
        className="tab-panel"
        tabIndex={0}
        hidden={selected !== 'people'}
      >
        <ErrorBoundary name="people" explanation="The list of people stopped working. The call and the rest of the room keep going.">
          <MemberList />
        </ErrorBoundary>
      </div>
      <div
        role="tabpanel"
        id="panel-files"
        aria-labelledby="tab-files"
        className="tab-panel"
        tabIndex={0}
        hidden={selected !== 'files'}
      >
        <ErrorBoundary name="files" explanation="The Files panel stopped working. The call and the rest of the room keep going.">
          <FilesPanel />
        </ErrorBoundary>
      </div>
    </aside>
  );
}
