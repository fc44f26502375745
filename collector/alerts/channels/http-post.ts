// POST a body to a receiver with a deadline: the answer's status, Retry-After and first characters, or the
// reason there was none (refused, reset, timed out). Never throws.
import type { SendResult } from './send-result.ts';
import { retryAfterMs, shortAnswer } from './send-result.ts';

export const USER_AGENT = 'tokenwatch-collector';

export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  o: { timeoutMs: number; now: number },
): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(o.timeoutMs),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why =
      err.name === 'TimeoutError'
        ? `no answer within ${o.timeoutMs / 1000} s`
        : (err.cause?.code ?? err.cause?.message ?? err.message);
    return { status: null, ok: false, gone: false, retryAfterMs: null, error: why, answer: '' };
  }
  let answer = '';
  try {
    answer = shortAnswer(await res.text());
  } catch {
    // The status is what counts; a body cut short is no reason to retry a 2xx.
  }
  const ok = res.status >= 200 && res.status < 300;
  return {
    status: res.status,
    ok,
    gone: res.status === 410,
    retryAfterMs: retryAfterMs(res.headers.get('retry-after'), o.now),
    error: ok ? null : `HTTP ${res.status}${answer ? `: ${answer.slice(0, 200)}` : ''}`,
    answer,
  };
}
