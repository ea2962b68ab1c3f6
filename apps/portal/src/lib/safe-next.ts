/**
 * Where to go after signing in. Only same-origin paths are accepted: a single leading
 * slash, never `//host` or `/\host` (which browsers treat as another origin), and never back
 * to the sign-in page itself.
 */
export function safeNext(raw: string | null | undefined): string {
  if (!raw?.startsWith('/')) return '/';
  if (raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  // Control characters and backslashes have no place in a path we built ourselves.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
  if (/[\u0000-\u001f\\]/.test(raw)) return '/';
  if (raw === '/sign-in' || raw.startsWith('/sign-in?') || raw.startsWith('/sign-in/')) return '/';
  return raw;
}
