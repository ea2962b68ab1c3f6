/**
 * The browser's other tabs of the portal share its cookies: when this tab changes who is
 * signed in (a sign-in, a profile switch, an impersonation started or left, a sign-out), they
 * are told at once, and read the session again, rather than showing the last person until
 * their next read (ADR 046). A message says only that something changed, never who or how: a
 * tab learns that from the server. Without `BroadcastChannel`, tabs catch up on their next read.
 */
const CHANNEL = 'onbehalf:session';

export interface OtherTabs {
  /** Tells the other tabs that who is signed in here changed. */
  announce(): void;
  /** Calls `changed` whenever another tab announces; returns how to stop. */
  listen(changed: () => void): () => void;
}

export function otherTabs(): OtherTabs {
  // One channel per tab: a channel never hears its own messages, only other tabs'.
  const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL);
  return {
    announce: () => channel?.postMessage('changed'),
    listen(changed) {
      const heard = () => changed();
      channel?.addEventListener('message', heard);
      return () => channel?.removeEventListener('message', heard);
    },
  };
}

/** This tab's. */
export const tabs = otherTabs();
