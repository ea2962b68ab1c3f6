/**
 * Pages never gone to after signing in: the sign-in page itself, and a sign-in link's page
 * (`/login?token=…`, `/one-click/…`), whose credential is whoever's put it in the address: a
 * `next` made by someone else would take the person, just signed in, to Continue into another
 * account. The router matches paths in any case, so they are compared so.
 */
const NEVER_NEXT = ['/sign-in', '/login', '/one-click'];

/** The profile chooser: somewhere to go through, never to end up after choosing. */
const CHOOSER = '/select-profile';

const pathOf = (target: string) =>
  (target.split(/[?#]/, 1)[0] ?? '').toLowerCase().replace(/\/+$/, '');

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
  const path = pathOf(raw);
  if (NEVER_NEXT.some((page) => path === page || path.startsWith(`${page}/`))) return '/';
  return raw;
}

/**
 * The profile chooser's address for someone going to `next`: it carries the target on, so a
 * team admin asked to sign in again on a page is back on that page once they have chosen.
 */
export function profileChoiceFor(next: string): string {
  const target = afterProfileChoice(next);
  return target === '/' ? CHOOSER : `${CHOOSER}?next=${encodeURIComponent(target)}`;
}

/** Where to go once a profile is chosen: the target the chooser was given, never itself. */
export function afterProfileChoice(raw: string | null | undefined): string {
  const target = safeNext(raw);
  return pathOf(target) === CHOOSER ? '/' : target;
}
