// The HTML sanitiser: how text that may come from a Mac (user names, hostnames, models, reasons quoting a
// tool's output, exemption reasons) reaches an HTML page, the report file and the dashboard alike.
//
// Pages are built with the `markup` template tag: every interpolated value is text unless it is markup this
// module made (Html), so escaping is the default and forgetting it is not possible by accident:
//   1. displayText (agent/snapshot/display-text.ts) first: controls, bidi overrides and isolates,
//      zero-width and other invisible characters become visible escapes (\u202e), so a name cannot
//      reorder the row it stands in or pass for another name;
//   2. then & < > " ' become character references, so the text can stand in element content and in
//      double- or single-quoted attribute values and never opens a tag, ends an attribute or starts an entity.
// Unquoted attributes, URLs and <script>/<style> content are other contexts: hrefs are built from our own
// paths with each part percent-encoded (`href`), and data for a script goes through `scriptJson`.
import { displayText } from '../../../agent/snapshot/display-text.ts';

const ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Markup this module vouches for: interpolated into `markup` as it is. Build it only with `markup` or `raw`. */
export class Html {
  readonly #markup: string;
  constructor(markup: string) {
    this.#markup = markup;
  }
  toString(): string {
    return this.#markup;
  }
}

/** Text as it may stand in element content or a quoted attribute value. */
export function escapeText(text: string): string {
  return displayText(text).replace(/[&<>"']/g, (c) => ENTITY[c] as string);
}

/** What may be interpolated: text (escaped), numbers, markup, lists of these; null, undefined and false render nothing. */
export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.toString();
  if (typeof value === 'number') return escapeText(String(value));
  if (typeof value === 'string') return escapeText(value);
  return value.map(render).join('');
}

/**
 * The template tag: literal parts are markup, every interpolated value is escaped unless it is Html.
 * (Not named `html`: Prettier would format the literal parts as HTML, changing script and style text.)
 */
export function markup(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i] as HtmlValue) + (strings[i + 1] ?? '');
  return new Html(out);
}

/**
 * Markup from a constant of ours (a stylesheet, a script read from a package) that is not text. Never
 * for a value from a Mac or a request.
 */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** Several pieces joined by a separator (itself markup). */
export function join(parts: readonly HtmlValue[], separator: Html | string = ''): Html {
  const sep = separator instanceof Html ? separator.toString() : escapeText(separator);
  return new Html(parts.map(render).join(sep));
}

/**
 * A URL of ours: a path whose segments are given as text (each percent-encoded, so a serial holding `/`,
 * `?` or `..` stays one segment) and query parameters (empty and undefined ones left out). The result is
 * text: interpolate it into a quoted attribute, where `markup` escapes it once more.
 */
export function href(segments: readonly string[], query: Record<string, string | undefined> = {}): string {
  const path = `/${segments.map((s) => encodeURIComponent(s)).join('/')}`;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, v);
  const q = params.toString();
  return q === '' ? path : `${path}?${q}`;
}

/**
 * A value as JSON for a <script type="application/json"> element: `<`, `>` and `&` are \u escapes, so no
 * `</script>` or `<!--` can end or change the element, and U+2028, U+2029 and every character displayText
 * would escape are \u escapes too (the parsed value is unchanged).
 */
export function scriptJson(value: unknown): Html {
  const text = JSON.stringify(value) ?? 'null';
  return new Html(
    text.replace(
      /[<>&\u2028\u2029\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]/gu,
      (c) =>
        Array.from(
          { length: c.length },
          (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`,
        ).join(''),
    ),
  );
}
