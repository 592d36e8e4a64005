/** React reads the uploads and the clock for relative times only through these. */
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { uploads } from './fileSession';
import type { UploadsState } from './uploads';

export function useUploads<T>(selector: (state: UploadsState) => T): T {
  return useStore(uploads.store, selector);
}

/** The current time, refreshed every `intervalMs`, so "3 min ago" stays true. */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
