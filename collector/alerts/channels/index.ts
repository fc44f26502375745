// The channels: each a small module turning an event into its receiver's request (the payload functions,
// pure) and sending it (HTTP, or SMTP for email). A channel is built once from its settings.
import type { AlertEvent } from '../event.ts';
import type { ChannelSettings } from '../config.ts';
import type { SendResult } from './send-result.ts';
import { postJson } from './http-post.ts';
import { signedHeaders, webhookBody } from '../payload.ts';
import { slackBody } from '../payload-slack.ts';
import { teamsBody } from '../payload-teams.ts';
import { pagerdutyBody, pagerdutyChangeUrl } from '../payload-pagerduty.ts';
import { emailChannel } from './email.ts';

export type { SendResult };

export interface Channel {
  name: string;
  /** Send one event; `now` is the sending time (the webhook's signature timestamp). Never throws. */
  send(event: AlertEvent, now: Date): Promise<SendResult>;
  close(): Promise<void>;
}

export interface ChannelOptions {
  publicUrl: string;
  timeoutMs: number;
}

export function createChannel(c: ChannelSettings, o: ChannelOptions): Channel {
  const ctx = { publicUrl: o.publicUrl, channel: c.name };
  const t = c.target;
  const post = (url: string, body: string, now: Date, headers: Record<string, string> = {}) =>
    postJson(url, body, headers, { timeoutMs: o.timeoutMs, now: now.getTime() });
  const http = (send: Channel['send']): Channel => ({ name: c.name, send, close: async () => {} });
  switch (t.type) {
    case 'webhook':
      return http(async (e, now) => {
        const body = webhookBody(e, ctx);
        return post(t.url, body, now, signedHeaders(e.id, Math.floor(now.getTime() / 1000), body, t.secrets));
      });
    case 'slack':
      return http((e, now) => post(t.url, slackBody(e, ctx), now));
    case 'teams':
      return http((e, now) => post(t.url, teamsBody(e, ctx), now));
    case 'pagerduty':
      // A report is a change event, at the change endpoint beside the events one.
      return http((e, now) =>
        post(
          e.report ? pagerdutyChangeUrl(t.url) : t.url,
          pagerdutyBody(e, { ...ctx, routingKey: t.routingKey }),
          now,
        ),
      );
    case 'email':
      return emailChannel(c.name, t, { ...o, channel: c.name });
  }
}
