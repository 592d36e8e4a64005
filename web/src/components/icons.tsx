/** Line icons (24 × 24, stroke = currentColor), decorative: every control names itself in words. */

const paths = {
  mic: 'M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM19 11a7 7 0 0 1-14 0M12 18v3M8 21h8',
  micOff:
    'M3 3l18 18M9 9v3a3 3 0 0 0 5.1 2.1M15 9.3V6a3 3 0 0 0-5.9-.8M19 11a7 7 0 0 1-1.1 3.8M5 11a7 7 0 0 0 10.7 5.9M12 18v3M8 21h8',
  video: 'M3 7a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2zM16 10l5-3v10l-5-3',
  videoOff: 'M3 3l18 18M16 10l5-3v10l-3.5-2.1M14 5H9.5M5 5a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h9a2 2 0 0 0 1.6-.8',
  screen: 'M3 5h18v11H3zM8 20h8M12 16v4M12 13V8M9.5 10.5L12 8l2.5 2.5',
  screenOff: 'M3 5h18v11H3zM8 20h8M12 16v4M9.5 8.5l5 5M14.5 8.5l-5 5',
  settings:
    'M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0M14 4v4M8 10v4M16 16v4',
  leave: 'M10 17l-5-5 5-5M5 12h11M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3',
  end: 'M3.5 14.5c4.7-4.3 12.3-4.3 17 0l-2.3 2.3-3.2-1.6v-2.6a10 10 0 0 0-6 0v2.6l-3.2 1.6z',
  signal: 'M4 20v-3M9 20v-7M14 20v-11M19 20V4',
  relay: 'M4 12h5l3-6 3 12 3-6h2',
  alert: 'M12 4l9 16H3zM12 10v4M12 17h0',
  close: 'M6 6l12 12M18 6L6 18',
  upload: 'M12 15V4M7 9l5-5 5 5M4 15v4a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-4',
  download: 'M12 4v11M7 10l5 5 5-5M4 15v4a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-4',
  retry: 'M20 12a8 8 0 1 1-2.3-5.7M20 4v5h-5',
  hand:
    'M8 12V5.5a1.5 1.5 0 0 1 3 0V11M11 10.5V4a1.5 1.5 0 0 1 3 0v6.5M14 10.5V5.5a1.5 1.5 0 0 1 3 0V14a7 7 0 0 1-7 7h-.5a6 6 0 0 1-4.6-2.2L3.3 16a1.5 1.5 0 0 1 2.3-1.9L8 16.5V12',
  lock: 'M5 11h14v10H5zM8 11V7a4 4 0 0 1 8 0v4M12 15v2',
  unlock: 'M5 11h14v10H5zM8 11V7a4 4 0 0 1 7.7-1.5M12 15v2',
  send: 'M4 12l16-8-6 16-2.5-6.5zM11.5 13.5L20 4',
} as const;

export type IconName = keyof typeof paths;

export function Icon({ name, className = 'icon' }: { name: IconName; className?: string }) {
  return (
    <svg className={className} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={paths[name]} />
    </svg>
  );
}
