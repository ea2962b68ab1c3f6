/** A host name as the request URL spells it: lower case, punycode, no trailing dot. */
export function normaliseHostName(hostname: string): string {
  return hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
}

/**
 * `ALLOWED_HOSTS`: comma-separated host names, each compared as a request's host will be (through
 * the URL parser); a port may follow and is ignored. A URL is refused rather than read as a host:
 * `https://portal.example.com` would otherwise allow the host "https" and not the portal, and a
 * path or a user would be dropped without a word. Reasons quote the entry, never more.
 */
export function parseHostNames(text: string): string[] {
  const names: string[] = [];
  for (const entry of text.split(',')) {
    const name = entry.trim();
    if (!name) continue;
    if (/^[a-z][a-z\d+.-]*:\/\//i.test(name)) {
      throw new Error(`"${name}" is a URL: give the host name alone, e.g. portal.example.com`);
    }
    let parsed: URL;
    try {
      parsed = new URL(`http://${name}`);
    } catch {
      throw new Error(`"${name}" is not a host name`);
    }
    if (parsed.username || parsed.password || parsed.pathname !== '/' || /[?#]/.test(name)) {
      throw new Error(
        `"${name}" is not a host name: give the host alone, without a path or a user`,
      );
    }
    names.push(normaliseHostName(parsed.hostname));
  }
  return names;
}
