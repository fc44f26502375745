// ONE catalogue of the collector's errors: a stable code per failure, mapped to an HTTP status here and
// nowhere else. Every code is documented in docs/api.md (a test checks). The body is always
// { "error": code, "message": what is wrong }. A client's mistake is a 4xx; 5xx means the server failed.
// What the services refuse (services/errors.ts) and the store's StoreBusyError are mapped here too.
import { Refusal } from '../services/errors.ts';
import type { RefusalKind } from '../services/errors.ts';
import { StoreBusyError } from '../store/types.ts';
import { errorBody } from '../services/views.ts';
import { validationMessage } from './validation-message.ts';
import type { ValidationIssue } from './validation-message.ts';

export const ERRORS = {
  invalid_json: {
    status: 400,
    summary:
      'the body is empty, not well-formed JSON, nested deeper than 64 levels, or uses a forbidden key (__proto__, constructor.prototype)',
  },
  invalid_body: {
    status: 400,
    summary: 'the body does not match the schema; the message names the path and what is wrong',
  },
  unknown_schema: {
    status: 400,
    summary: 'the body\'s "schema" is not one this endpoint accepts (e.g. tokenwatch.snapshot/1)',
  },
  invalid_query: {
    status: 400,
    summary:
      'a query-string or path parameter is malformed (bad filter, cursor or limit, a parameter over 100 characters, a broken URL)',
  },
  invalid_http: { status: 400, summary: 'the request is not well-formed HTTP/1.1; the connection is closed' },
  unauthorized: { status: 401, summary: 'missing, malformed, unknown or revoked Bearer token' },
  enroll_secret_invalid: { status: 401, summary: 'the enroll secret is wrong' },
  device_mismatch: {
    status: 403,
    summary: "the snapshot's device.serial or device.hardwareUuid is not the authenticated device's own",
  },
  not_found: { status: 404, summary: 'no such route' },
  device_not_found: {
    status: 404,
    summary:
      'no device with that serial (an exemption for a Mac not enrolled yet says so: "preEnrolled": true)',
  },
  exemption_not_found: { status: 404, summary: 'no exemption with that id' },
  conflict_not_found: { status: 404, summary: 'no identity conflict with that id' },
  channel_not_found: { status: 404, summary: 'no alert channel with that name (configured or known)' },
  delivery_not_found: { status: 404, summary: 'no alert delivery with that id' },
  delivery_not_dead: {
    status: 409,
    summary:
      'only a dead delivery (given up after its last attempt) can be retried; a pending one is retried already',
  },
  device_enrolled: {
    status: 409,
    summary:
      'the serial or hardware UUID has an active token: present it (rotation), or an admin must revoke the device, or wait until it is stale',
  },
  identity_conflict: {
    status: 409,
    summary:
      'the serial or the hardware UUID is enrolled with another identity (or an admin refused this pair): an admin resolves the identity conflict named in the message',
  },
  conflict_resolved: {
    status: 409,
    summary: 'the identity conflict was resolved keeping the claimant; that cannot be changed',
  },
  snapshot_conflict: {
    status: 409,
    summary: 'this snapshot id was already accepted with a different body or from another device',
  },
  digest_unknown: {
    status: 409,
    summary: "the check-in's digest is not the device's current one: send the full snapshot",
  },
  request_timeout: {
    status: 408,
    summary:
      'the request did not arrive in time (headers within headersTimeoutSeconds, all of it within requestTimeoutSeconds); the connection is closed: retry',
  },
  body_too_large: {
    status: 413,
    summary: 'the body is larger than the configured limit (bodyLimitBytes, default 1 MiB)',
  },
  unsupported_media_type: {
    status: 415,
    summary:
      'the body must be sent as Content-Type: application/json (text/plain and any other type are refused)',
  },
  headers_too_large: { status: 431, summary: 'the request headers are larger than 16 KiB' },
  rate_limited: {
    status: 429,
    summary: 'too many failed attempts from this address; retry after Retry-After seconds',
  },
  internal: { status: 500, summary: 'the server failed; the request may be retried' },
  unavailable: {
    status: 503,
    summary: 'the store is busy or shutting down; retry after Retry-After seconds',
  },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** The catalogue code of each refusal of the services (the compiler checks every kind has one). */
export const REFUSAL_CODES: Record<RefusalKind, ErrorCode> = {
  invalid_instant: 'invalid_body',
  invalid_expiry: 'invalid_body',
  unknown_rule: 'invalid_body',
  unknown_device: 'device_not_found',
  invalid_cursor: 'invalid_query',
  invalid_as_of: 'invalid_query',
  device_mismatch: 'device_mismatch',
  snapshot_conflict: 'snapshot_conflict',
  device_gone: 'unauthorized',
  digest_unknown: 'digest_unknown',
  enroll_secret_invalid: 'enroll_secret_invalid',
  device_enrolled: 'device_enrolled',
  identity_conflict: 'identity_conflict',
  conflict_resolved: 'conflict_resolved',
  rate_limited: 'rate_limited',
};

/** Seconds a client waits before retrying when the store is busy. */
const STORE_BUSY_RETRY_SECONDS = 2;

export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly retryAfterSeconds: number | undefined;
  constructor(code: ErrorCode, message: string, retryAfterSeconds?: number) {
    super(message);
    this.code = code;
    this.statusCode = ERRORS[code].status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Every error body, with the catalogue's codes (the shape is services/views.ts's errorBody). */
export const ErrorBodySchema = errorBody(Object.keys(ERRORS));

/** A route's error answers: the error body for each of these statuses (response schemas and OpenAPI). */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, ErrorBodySchema]));

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message: string;
  validation?: ValidationIssue[];
  validationContext?: string;
}

/** What a refused content type is called in its message: the type the request sent, or that it sent none. */
const sentType = (contentType: string | undefined): string =>
  contentType === undefined || contentType.trim() === ''
    ? 'this request sent no Content-Type'
    : `this request sent ${JSON.stringify(contentType.length > 80 ? `${contentType.slice(0, 77)}...` : contentType)}`;

/**
 * Translate anything thrown while handling a request into a catalogue error (`request.contentType`: the
 * Content-Type header the request sent, named when the body is refused for it).
 */
export function toApiError(err: unknown, request: { contentType?: string | undefined } = {}): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof Refusal)
    return new ApiError(REFUSAL_CODES[err.kind], err.message, err.retryAfterSeconds);
  if (err instanceof StoreBusyError)
    return new ApiError('unavailable', 'the store is busy, retry shortly', STORE_BUSY_RETRY_SECONDS);
  const e = (err ?? {}) as FastifyLikeError;
  if (e.validation) {
    const ctx = e.validationContext;
    const message = Array.isArray(e.validation) ? validationMessage(e.validation, ctx) : e.message;
    return new ApiError(ctx === 'body' ? 'invalid_body' : 'invalid_query', message);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('body_too_large', e.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        'unsupported_media_type',
        `the body must be sent as Content-Type: application/json (${sentType(request.contentType)})`,
      );
    case 'FST_ERR_BAD_URL':
      return new ApiError('invalid_query', 'the URL is not valid (a malformed percent-encoding)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError('invalid_query', 'a path parameter is longer than 100 characters');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('invalid_json', e.message);
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 413) return new ApiError('body_too_large', e.message);
    if (e.statusCode === 415)
      return new ApiError(
        'unsupported_media_type',
        `the body must be sent as Content-Type: application/json (${sentType(request.contentType)})`,
      );
    if (e.statusCode === 404) return new ApiError('not_found', e.message);
    return new ApiError('invalid_json', e.message);
  }
  return new ApiError('internal', 'internal error');
}
