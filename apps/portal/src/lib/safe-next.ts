/**
 * Pages never gone to after signing in: the sign-in page itself, and a sign-in link's page
 * (`/login?token=…`, `/one-click/…`), whose credential is whoever's put it in the address: a
 * `next` made by someone else would take the person, just signed in, to Continue into another
 * account. The router matches paths in any case, so they are compared so.
 */
const NEVER_NEXT = ['/sign-in', '/login', '/one-click'];

/**
 * Where to go after signing in. Only same-origin paths are accepted: a single leading
 * slash, never `//host` or `/\host` (which browsers treat as another origin), and never to
 * the pages above.
 */
export function safeNext(raw: string | null | undefined): string {
  if (!raw?.startsWith('/')) return '/';
  if (raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  // Control characters and backslashes have no place in a path we built ourselves.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
  if (/[\u0000-\u001f\\]/.test(raw)) return '/';
  const path = (raw.split(/[?#]/, 1)[0] ?? '').toLowerCase().replace(/\/+$/, '');
  if (NEVER_NEXT.some((page) => path === page || path.startsWith(`${page}/`))) return '/';
  return raw;
}
