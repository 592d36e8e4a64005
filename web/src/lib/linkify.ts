/**
 * Splits chat text into plain runs and http(s) links, so that the page renders each run as
 * text (never HTML) and each link as an anchor. Nothing else becomes a link: no `javascript:`,
 * no bare domains.
 */

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi;
/** Punctuation that ends a sentence more often than a link. */
const TRAILING = /[.,;:!?'")\]}]+$/;

function trimTrailing(url: string): string {
  let end = url;
  for (;;) {
    const match = TRAILING.exec(end);
    if (match === null) return end;
    // Keep a closing bracket that closes one inside the link (Wikipedia's "(disambiguation)").
    const last = end.slice(-1);
    if (last === ')' && (end.match(/\(/g)?.length ?? 0) >= (end.match(/\)/g)?.length ?? 0)) return end;
    end = end.slice(0, -1);
  }
}

function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let at = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index ?? 0;
    const url = trimTrailing(match[0]);
    const href = safeHref(url);
    if (href === null || url.length <= 'https://'.length) continue;
    if (start > at) parts.push({ kind: 'text', text: text.slice(at, start) });
    parts.push({ kind: 'link', text: url, href });
    at = start + url.length;
  }
  if (at < text.length) parts.push({ kind: 'text', text: text.slice(at) });
  return parts;
}
