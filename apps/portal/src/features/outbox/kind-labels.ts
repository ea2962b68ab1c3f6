/** What each kind of outgoing mail is, as the outbox lists it. */
export const outboxKindLabels: Record<string, string> = {
  sign_in_link: 'Sign-in link',
  support_link: 'Link from support',
  welcome: 'Welcome',
};

/** A kind the portal does not know yet shows as the server names it. */
export const outboxKindLabel = (kind: string) => outboxKindLabels[kind] ?? kind;
