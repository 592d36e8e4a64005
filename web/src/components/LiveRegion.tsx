import { useRoom } from '../store/roomStore';

/** Polite announcements of joins and leaves for screen readers; always mounted so none is missed. */
export function LiveRegion() {
  const announcement = useRoom((s) => s.announcement);
  return (
    <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="announcer">
      {announcement && <span key={announcement.id}>{announcement.text}</span>}
    </div>
  );
}
