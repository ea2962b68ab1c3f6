import { DIRECTION_CONTROLS } from '@onbehalf/contracts/common';
import nodemailer from 'nodemailer';
import type { Env } from '../env.ts';
import { seal } from './server-secret.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** What it is for (sign_in_link, support_link, welcome): shown in the outbox. */
  kind: string;
}

export interface Mailer {
  readonly transport: 'smtp' | 'outbox';
  send(message: MailMessage): Promise<void>;
}

/**
 * A message as the outbox keeps it: links redacted from `text` and `html`; the whole of it
 * sealed only in test mode, for the test mailbox (null otherwise).
 */
export interface KeptMessage {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  kind: string;
  sealed: string | null;
  createdAt: number;
}

/** Where the local outbox keeps mail: `store.outbox` on either store. */
export interface MailOutbox {
  /**
   * Keeps a message and, in the same transaction, deletes every message kept before
   * `keepSince`: the links in them are long dead, and they are secrets all the same.
   */
  keep(command: { message: KeptMessage; keepSince: number }): Promise<void>;
}

export const OUTBOX_KEEP_MS = 24 * 60 * 60 * 1000;

/**
 * How long a send waits on an SMTP server, in ms (nodemailer's defaults: 2 minutes to connect,
 * 10 minutes of silence). A send runs as a job whose lease is 5 minutes (lib/jobs.ts): one
 * that outlived it would be taken again by another process and the person would get a second
 * link, so a stalled server fails the send well within the lease, to be retried.
 */
export const SMTP_TIMEOUTS = {
  connectionTimeout: 30_000,
  greetingTimeout: 30_000,
  socketTimeout: 60_000,
};

/** The SMTP transport's options: the server's URL, and how long to wait on it. */
export function smtpOptions(url: string) {
  return { url, ...SMTP_TIMEOUTS };
}

/** Every link in a message, replaced: what stays in the database can open nothing. */
export function redactLinks(text: string): string {
  return text.replace(/https?:\/\/[^\s"'<>]+/g, '[link removed]');
}

/**
 * SMTP (nodemailer) when SMTP_URL is set, and nothing is kept. Otherwise the local outbox in
 * the database (`store.outbox`, on either store): each row holds a copy with its links removed,
 * which is all Admin › Outbox ever shows (SPEC §4b: whoever made a delivered credential never
 * sees its secret; docs/decisions/028-the-outbox-shows-no-links.md). Only in test mode is the
 * whole message kept as well, sealed with a key outside the database, for the test mailbox of
 * QA suites to follow a link end to end; a copy of the database opens nothing either way.
 * Messages older than a day are deleted as each new one is kept.
 */
export function createMailer(
  env: Env,
  outbox: MailOutbox,
  now: () => number,
  outboxKey: Buffer,
): Mailer {
  if (env.SMTP_URL) {
    const transporter = nodemailer.createTransport(smtpOptions(env.SMTP_URL));
    return {
      transport: 'smtp',
      async send(message) {
        await transporter.sendMail({
          from: env.MAIL_FROM,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
        });
      },
    };
  }
  return {
    transport: 'outbox',
    async send(message) {
      const at = now();
      await outbox.keep({
        message: {
          ...message,
          text: redactLinks(message.text),
          html: redactLinks(message.html),
          sealed: env.testMode
            ? seal(outboxKey, JSON.stringify({ text: message.text, html: message.html }))
            : null,
          from: env.MAIL_FROM,
          createdAt: at,
        },
        keepSince: at - OUTBOX_KEEP_MS,
      });
    },
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * One line: line breaks and control characters become a space, the characters that reorder
 * text are dropped. Names and reasons stored before they were checked, or a reason written over
 * several lines, may not add paragraphs of their own to what we send.
 */
const directionControls = new RegExp(`[${DIRECTION_CONTROLS}]`, 'gu');
const oneLine = (text: string) =>
  text
    .replace(directionControls, '')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, ' ')
    .trim();

/** A plain, accessible message: one paragraph per line, the link as a button-like anchor. */
export function composeMail(input: {
  to: string;
  kind: string;
  subject: string;
  lines: string[];
  link: { url: string; label: string };
  footer: string;
}): MailMessage {
  const lines = input.lines.map(oneLine);
  const subject = oneLine(input.subject);
  const text = [...lines, '', `${input.link.label}: ${input.link.url}`, '', input.footer].join(
    '\n',
  );
  const html = [
    '<!doctype html><html lang="en"><body style="font-family:system-ui,sans-serif;line-height:1.5">',
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    `<p><a href="${escapeHtml(input.link.url)}" style="display:inline-block;padding:10px 16px;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:6px">${escapeHtml(input.link.label)}</a></p>`,
    `<p style="color:#555;font-size:14px">${escapeHtml(input.footer)}</p>`,
    '</body></html>',
  ].join('');
  return { to: input.to, kind: input.kind, subject, text, html };
}
