// A request that does not match its schema, said for a person: which field, what it must be, what came.
// Fastify's ajv runs verbose (app.ts), so each error carries the failing value and the schema around it.
//   an enum         -> "status must be one of compliant, noncompliant, unknown (got "broken")", the values once
//   a null allowed  -> "... or null", instead of one line for each branch of the union
//   an x-expected   -> (first, when the schema has one) "limit must be a whole number from 1 to 1000 (got "5000")": the schema's own words
//                      for a pattern or a bound (http/schemas.ts declares them beside the pattern)
//   required        -> "body/reason is required"
// Anything else keeps ajv's wording after the field's name. A query parameter is named as it is typed
// (status), a body field by its path (body/mdm/enrolled).

/** The keyword a schema gives its value's expected form in words (the message reads "NAME must be ..."). */
export const EXPECTED = 'x-expected';

export interface ValidationIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  data?: unknown;
  parentSchema?: Record<string, unknown>;
}

/** A received value as a message may quote it: JSON, short. */
function got(value: unknown): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value) ?? String(value);
  return ` (got ${text.length > 60 ? `${text.slice(0, 57)}...` : text})`;
}

function fieldName(path: string, context: string | undefined): string {
  if (context === 'body') return `body${path}`;
  const name = path.replace(/^\//, '');
  return name === '' ? (context ?? 'request') : name;
}

export function validationMessage(issues: readonly ValidationIssue[], context: string | undefined): string {
  const first = issues.find((i) => i.keyword !== 'anyOf' && i.keyword !== 'oneOf');
  if (!first) return `${context ?? 'request'} does not match its schema`;
  const name = fieldName(first.instancePath, context);
  // A value that may also be null fails each branch of the union: one line says both.
  const orNull = issues.some(
    (i) =>
      i !== first &&
      i.instancePath === first.instancePath &&
      i.keyword === 'type' &&
      i.params['type'] === 'null',
  )
    ? ' or null'
    : '';
  if (first.keyword === 'required') {
    const missing = String(first.params['missingProperty']);
    return `${fieldName(`${first.instancePath}/${missing}`, context)} is required`;
  }
  const expected = first.parentSchema?.[EXPECTED];
  if (typeof expected === 'string') return `${name} must be ${expected}${orNull}${got(first.data)}`;
  if (first.keyword === 'enum' && Array.isArray(first.params['allowedValues'])) {
    const values = (first.params['allowedValues'] as unknown[]).map(String).join(', ');
    return `${name} must be one of ${values}${orNull}${got(first.data)}`;
  }
  return `${name} ${first.message ?? 'is not valid'}${orNull}${got(first.data)}`;
}
