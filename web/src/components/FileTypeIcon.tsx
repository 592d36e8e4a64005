import { KIND_LABEL, type FileKind } from '../files/format';

/** A page with a glyph for each family; the page outline is shared. */
const PAGE = 'M6 3h8l4 4v13a1 1 0 0 1-1 1H7a1 1 0 0 1-1-1z M14 3v4h4';

const GLYPHS: Record<Exclude<FileKind, 'pdf'>, string> = {
  image: 'M8.5 18l2.5-3.5 2 2.5 1.5-2 2 3z M10 11h.01',
  video: 'M10 11.5v5.5l4.5-2.75z',
  audio: 'M13 17v-6l2.5 1 M13 17a1.5 1.5 0 1 1-3 0a1.5 1.5 0 1 1 3 0',
  archive: 'M11 8h2 M11 10.5h2 M11 13h2 M10.5 15.5h3v3h-3z',
  text: 'M9 11h6 M9 14h6 M9 17h4',
  other: '',
};

/**
 * The file's family as an icon, for sighted skimming only (`aria-hidden`): the row says the
 * same in words (`FileKindText`), so colour or shape never carries it alone.
 */
export function FileTypeIcon({ kind }: { kind: FileKind }) {
  return (
    <span className={`file-type file-type-${kind}`} aria-hidden="true">
      <svg className="file-type-svg" viewBox="0 0 24 24" focusable="false">
        <path d={PAGE} />
        {kind === 'pdf' ? (
          <text x="12" y="17.5" textAnchor="middle" className="file-type-label">
            PDF
          </text>
        ) : (
          GLYPHS[kind] !== '' && <path d={GLYPHS[kind]} />
        )}
      </svg>
    </span>
  );
}

/** The text alternative of the icon, e.g. "PDF document, ". */
export function FileKindText({ kind }: { kind: FileKind }) {
  return <span className="visually-hidden">{KIND_LABEL[kind]}, </span>;
}
