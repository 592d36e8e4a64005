import { useEffect, useRef, useState } from 'react';
import { copyText } from '../lib/clipboard';

type Toast = { kind: 'copied' } | { kind: 'manual' } | null;

const TOAST_MS = 2000;

/** "Copy link" with its "Copied" toast; shows the link to copy by hand if copying fails. */
export function CopyLinkButton({ url }: { url: string }) {
  const [toast, setToast] = useState<Toast>(null);
  const linkInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (toast?.kind !== 'copied') return;
    const timer = setTimeout(() => setToast(null), TOAST_MS);
    return () => clearTimeout(timer);
  }, [toast]);

  useEffect(() => {
    if (toast?.kind === 'manual') linkInput.current?.select();
  }, [toast]);

  async function copy() {
    setToast((await copyText(url)) ? { kind: 'copied' } : { kind: 'manual' });
  }

  return (
    <>
      <button type="button" className="button secondary" onClick={() => void copy()}>
        <svg className="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" />
        </svg>
        Copy link
      </button>
      <div className="toast-region" role="status" aria-live="polite">
        {toast?.kind === 'copied' && <div className="toast">Copied</div>}
        {toast?.kind === 'manual' && (
          <div className="toast toast-manual">
            <label htmlFor="room-link-manual">Copying is blocked here. Copy the link yourself:</label>
            <div className="toast-row">
              <input
                ref={linkInput}
                id="room-link-manual"
                readOnly
                value={url}
                onFocus={(event) => event.currentTarget.select()}
              />
              <button type="button" className="button secondary" onClick={() => setToast(null)}>
                Done
              </button>
            </div>
          </div>
        )}
      </div>
    </>
  );
}
