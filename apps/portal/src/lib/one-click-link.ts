import { decimalId } from '@onbehalf/contracts/common';

/** What a one-click link is made of: the user it opens and its secret. */
export interface OneClickLink {
  userId: number;
  hash: string;
}

/** The secret of `/one-click/:userId/:hash`, or null when the address cannot be a link. */
export function parseOneClickLink(
  userId: string | undefined,
  hash: string | undefined,
): OneClickLink | null {
  const id = userId ? decimalId(userId) : null;
  if (id === null || !hash || hash.length > 200) return null;
  return { userId: id, hash };
}

/** The parts of a whole one-click URL, as the server hands one over; null if it is none. */
export function oneClickLinkOf(url: string): OneClickLink | null {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return null;
  }
  const match = /^\/one-click\/([^/]+)\/([^/]+)$/.exec(pathname);
  return match ? parseOneClickLink(match[1], match[2]) : null;
}
