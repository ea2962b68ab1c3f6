import { z } from 'zod';
import { userSummary } from './auth.ts';
import {
  bodyId,
  displayName,
  isoDateTime,
  nextCursor,
  numericId,
  oneSearch,
  type PageQuery,
  pageQuery,
} from './common.ts';
import { profileRole } from './permissions.ts';

export const emailAddress = z.email().trim().max(254);

/** "Email me a sign-in link": the answer is the same whether or not the address has an account. */
export const requestEmailLinkBody = z.object({ email: z.string().trim().min(1).max(254) });
export const requestEmailLinkResponse = z.object({ ok: z.literal(true), message: z.string() });
export const EMAIL_LINK_SENT_MESSAGE =
  'If an account exists for that address, we have sent it a sign-in link. It works once and expires soon.';

export const supportEmailLinkBody = z.object({
  reason: z.string().trim().min(3, 'Give a reason of at least 3 characters.').max(500),
});
export const userIdParam = z.object({ id: numericId });

export const provisionUserBody = z.object({
  email: emailAddress,
  name: displayName(200),
  organizationId: bodyId,
  /** Provisioning creates members; anything else is refused (`members_only`). */
  role: profileRole.default('member'),
  sendWelcomeEmail: z.boolean().default(false),
});
export type ProvisionUserBody = z.input<typeof provisionUserBody>;
export type ProvisionUserInput = z.infer<typeof provisionUserBody>;
export const provisionUserResponse = z.object({
  user: userSummary,
  profileId: z.number().int().nullable(),
  created: z.boolean(),
  welcomeEmailSent: z.boolean(),
});
export type ProvisionUserResponse = z.infer<typeof provisionUserResponse>;

export const outboxMessage = z.object({
  id: z.number().int(),
  to: z.string(),
  from: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  kind: z.string(),
  createdAt: isoDateTime,
});
export type OutboxMessage = z.infer<typeof outboxMessage>;
/** A page of messages, newest first. */
export const outboxResponse = z.object({ messages: z.array(outboxMessage), nextCursor });
export type OutboxResponse = z.infer<typeof outboxResponse>;
const recipient = z.string().trim().max(254).optional();
/** `query`: the messages to this address (the whole address, any case); `to` its old name. */
export const outboxQuery = pageQuery
  .extend({
    query: recipient,
    to: recipient.meta({ deprecated: true, description: 'Deprecated: send `query`.' }),
  })
  .refine(oneSearch('to').check, oneSearch('to').error);
export type OutboxQuery = PageQuery & { query?: string; to?: string };
