import { followLink } from '../lib/router';

/** The product mark; a link home everywhere but the landing page. */
export function Brand({ asLink = true }: { asLink?: boolean }) {
  const mark = (
    <>
      <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
        <rect width="32" height="32" rx="8" />
        <path d="M10 8h7.5a6.5 6.5 0 0 1 0 13H14v3h-4zm4 4v5h3.5a2.5 2.5 0 0 0 0-5z" />
      </svg>
      <span className="brand-name">Parlor</span>
    </>
  );
  if (!asLink) return <span className="brand">{mark}</span>;
  return (
    <a className="brand" href="/" onClick={followLink} aria-label="Parlor, start page">
      {mark}
    </a>
  );
}
