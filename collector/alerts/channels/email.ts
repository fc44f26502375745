// Email over SMTP with nodemailer: one transport per channel, the message from payload-email.ts. The SMTP
// reply code is the attempt's status (250 delivered; 4xx and 5xx are failures the worker retries).
// nodemailer is loaded at the first send: a collector without an email channel never loads it (it is a
// large share of the start-up time). A report event attaches the report's file, read at sending (up to
// ATTACH_MAX_BYTES; a larger or missing file is named in the message instead, which is still sent).
import { readFileSync } from 'node:fs';
import type { Transporter } from 'nodemailer';
import type { AlertEvent } from '../event.ts';
import type { ChannelTarget } from '../config.ts';
import { emailMessage } from '../payload-email.ts';
import type { SendResult } from './send-result.ts';
import { shortAnswer } from './send-result.ts';

type EmailTarget = Extract<ChannelTarget, { type: 'email' }>;

/** The largest report file attached (mail servers commonly refuse messages over 10 to 25 MB). */
export const ATTACH_MAX_BYTES = 10 * 1024 * 1024;

const CONTENT_TYPE = {
  html: 'text/html; charset=utf-8',
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  table: 'text/plain; charset=utf-8',
} as const;

/** The report's file as an attachment, or why it is not attached. */
function reportAttachment(
  e: AlertEvent,
): { filename: string; content: Buffer; contentType: string } | { notAttached: string } | null {
  const r = e.report;
  if (!r) return null;
  let content: Buffer;
  try {
    content = readFileSync(r.path);
  } catch (err) {
    return { notAttached: `the file cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  if (content.length > ATTACH_MAX_BYTES)
    return { notAttached: `${content.length} bytes, over the ${ATTACH_MAX_BYTES} bytes attached` };
  return { filename: r.file, content, contentType: CONTENT_TYPE[r.format] };
}

export function emailChannel(
  name: string,
  t: EmailTarget,
  o: { publicUrl: string; timeoutMs: number; channel: string },
) {
  let transport: Transporter | null = null;
  const open = async (): Promise<Transporter> => {
    const { default: nodemailer } = await import('nodemailer');
    transport ??= nodemailer.createTransport({
      host: t.smtp.host,
      port: t.smtp.port,
      secure: t.smtp.secure,
      requireTLS: t.smtp.requireTLS,
      ...(t.smtp.user !== null ? { auth: { user: t.smtp.user, pass: t.smtp.password ?? '' } } : {}),
      connectionTimeout: o.timeoutMs,
      greetingTimeout: o.timeoutMs,
      socketTimeout: o.timeoutMs,
    });
    return transport;
  };
  return {
    name,
    async send(e: AlertEvent): Promise<SendResult> {
      const file = reportAttachment(e);
      const attached = file !== null && 'content' in file ? file : null;
      const m = emailMessage(
        e,
        { publicUrl: o.publicUrl, channel: o.channel },
        file !== null && 'notAttached' in file ? { notAttached: file.notAttached } : {},
      );
      try {
        const info = await (
          await open()
        ).sendMail({
          from: t.from,
          to: t.to,
          subject: m.subject,
          text: m.text,
          html: m.html,
          messageId: `<${e.id}@tokenwatch>`,
          headers: { 'X-Tokenwatch-Event': e.id },
          ...(attached ? { attachments: [attached] } : {}),
        });
        const code = Number(/^(\d{3})/.exec(String(info.response))?.[1] ?? 250);
        return {
          status: code,
          ok: true,
          gone: false,
          retryAfterMs: null,
          error: null,
          answer: shortAnswer(String(info.response)),
        };
      } catch (err) {
        const x = err as Error & { responseCode?: number; response?: string; code?: string };
        const status = typeof x.responseCode === 'number' ? x.responseCode : null;
        return {
          status,
          ok: false,
          gone: false,
          retryAfterMs: null,
          error: shortAnswer(`${x.code ? `${x.code}: ` : ''}${x.response ?? x.message}`),
          answer: shortAnswer(x.response ?? ''),
        };
      }
    },
    close: async () => transport?.close(),
  };
}
