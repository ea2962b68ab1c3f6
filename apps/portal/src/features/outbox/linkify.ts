/** A run of plain text, or a web address to render as a link. */
export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; href: string };

const candidate = /\bhttps?:\/\/[^\s<>"]+/gi;
// Punctuation that ends a sentence or wraps a link in prose, rather than belonging to it.
const trailing = /[.,;:!?'’”»\]}]$/;

/** Drops what prose puts after an address; a `)` goes only when it closes nothing inside. */
function trimTrailing(url: string): string {
  let end = url;
  for (;;) {
    if (trailing.test(end)) {
      end = end.slice(0, -1);
    } else if (end.endsWith(')') && count(end, '(') < count(end, ')')) {
      end = end.slice(0, -1);
    } else {
      return end;
    }
  }
}

const count = (text: string, char: string) => text.split(char).length - 1;

function isWebAddress(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * A plain-text body as text and links, so every http(s) address in an email can be followed
 * (Admin › Outbox). Only http and https: nothing else the text says becomes clickable.
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  const push = (plain: string) => {
    if (!plain) return;
    const previous = parts.at(-1);
    if (previous?.kind === 'text') previous.text += plain;
    else parts.push({ kind: 'text', text: plain });
  };
  for (const match of text.matchAll(candidate)) {
    const href = trimTrailing(match[0]);
    if (!isWebAddress(href)) continue;
    push(text.slice(last, match.index));
    parts.push({ kind: 'link', href });
    last = match.index + href.length;
  }
  push(text.slice(last));
  return parts;
}
