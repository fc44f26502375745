// Email over SMTP with nodemailer: one transport per channel, the message from payload-email.ts. The SMTP
// reply code is the attempt's status (250 delivered; 4xx and 5xx are failures the worker retries).
// nodemailer is loaded at the first send: a collector without an email channel never loads it (it is a
// large share of the start-up time).
import type { Transporter } from 'nodemailer';
import type { AlertEvent } from '../event.ts';
import type { ChannelTarget } from '../config.ts';
import { emailMessage } from '../payload-email.ts';
import type { SendResult } from './send-result.ts';
import { shortAnswer } from './send-result.ts';

type EmailTarget = Extract<ChannelTarget, { type: 'email' }>;

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
      const m = emailMessage(e, { publicUrl: o.publicUrl, channel: o.channel });
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
