import type { CredentialKind } from '@onbehalf/contracts/login-links';
import type { AppDeps } from '../../app-env.ts';
import type { AuditEntry } from '../../lib/audit-event.ts';
import { AppError } from '../../lib/errors.ts';
import { composeMail } from '../../lib/mail.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { UserRow } from '../../store/rows.ts';

export const minutesText = (minutes: number) => `${minutes} minute${minutes === 1 ? '' : 's'}`;

/** Who sends a sign-in link, as the email names them. */
export type LinkSender =
  | { kind: 'self' }
  | { kind: 'operator'; name: string; reason: string | null }
  | { kind: 'integration'; name: string }
  | { kind: 'welcome'; organizationName: string };

/** How long a link works, as a sentence ends: "in 15 minutes", "on 2026-12-01 at 09:00 UTC". */
function lifetimeText(expiresAt: number, now: number): string {
  const minutes = Math.round((expiresAt - now) / 60_000);
  if (minutes <= 120) return `in ${minutesText(minutes)}`;
  const iso = new Date(expiresAt).toISOString();
  return `on ${iso.slice(0, 10)} at ${iso.slice(11, 16)} UTC`;
}

/** The message for each sender: who asked, why, how long the link works. */
function messageFor(sender: LinkSender, user: UserRow, lifetime: string) {
  const hello = `Hello ${user.name},`;
  const once = `It signs you in and stops working ${lifetime}.`;
  switch (sender.kind) {
    case 'self':
      return {
        kind: 'sign_in_link',
        subject: 'Your sign-in link',
        lines: [
          hello,
          `Someone (hopefully you) asked to sign in to onbehalf with this address. The link below signs you in once and stops working ${lifetime}.`,
        ],
        footer:
          'If you did not ask for it, ignore this email: nobody can use the link without access to your mailbox.',
      };
    case 'operator':
      return {
        kind: 'support_link',
        subject: `${sender.name} sent you a sign-in link`,
        lines: [
          hello,
          sender.reason
            ? `${sender.name} from onbehalf support sent you this sign-in link. Their reason: “${sender.reason}”.`
            : `${sender.name} from onbehalf support sent you this sign-in link.`,
          once,
        ],
        footer: 'If you did not expect this, do not use the link and contact support.',
      };
    case 'integration':
      return {
        kind: 'sign_in_link',
        subject: 'Your sign-in link',
        lines: [hello, `${sender.name} sent you this sign-in link for onbehalf.`, once],
        footer: 'If you did not expect this, do not use the link.',
      };
    case 'welcome':
      return {
        kind: 'welcome',
        subject: `Welcome to ${sender.organizationName} on onbehalf`,
        lines: [
          hello,
          `An account was created for you at ${sender.organizationName}. Use the link below to sign in for the first time; it works once and stops working ${lifetime}.`,
        ],
        footer:
          'After signing in you can set a password from your account page, or ask for a new link at any time.',
      };
  }
}

/**
 * Emails a sign-in link to the user's own address, and audits whether it went (SPEC §4b:
 * delivered means the maker never sees the secret). A failed send withdraws the link and is a
 * 503 for the caller.
 */
export async function deliverLink(
  deps: AppDeps,
  user: UserRow,
  link: { kind: CredentialKind; id: string; url: string; expiresAt: number },
  sender: LinkSender,
  actor: AuditEntry['actor'],
  meta: RequestMeta,
): Promise<void> {
  const mail = messageFor(sender, user, lifetimeText(link.expiresAt, deps.clock.now()));
  const sent = link.kind === 'one_click' ? 'one_click.emailed' : 'login_token.emailed';
  const credential = { kind: link.kind, id: link.id };
  const audit = (type: typeof sent | 'mail.failed'): AuditEntry => ({
    type,
    at: deps.clock.now(),
    actor,
    subjectUserId: user.id,
    details: { credential, kind: mail.kind, transport: deps.mailer.transport },
  });
  try {
    await deps.mailer.send(
      composeMail({
        to: user.email,
        ...mail,
        link: { url: link.url, label: 'Sign in to onbehalf' },
      }),
    );
  } catch (error) {
    // A link nobody received is withdrawn with the failure: it must not stay redeemable.
    await deps.store.oneClick.withdrawUndelivered({
      credential,
      audit: audit('mail.failed'),
      now: deps.clock.now(),
      meta,
    });
    // The message only: an SMTP error object may carry parts of what was being sent.
    deps.logger.error(
      { requestId: meta.requestId, error: error instanceof Error ? error.message : String(error) },
      'mail delivery failed',
    );
    throw new AppError('mail_unavailable');
  }
  await deps.store.oneClick.recordMailed({ audit: audit(sent), meta });
}
