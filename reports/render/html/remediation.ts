// A rule's remediation text as markup: the rule table writes commands between backticks, shown as <code>.
import { join, markup } from './escape.ts';
import type { Html } from './escape.ts';

export function remediationText(text: string): Html {
  const parts = text.split('`');
  // An odd count of backticks leaves the last part as text: no unclosed <code>.
  return join(
    parts.map((part, i) => (i % 2 === 1 && i < parts.length - 1 ? markup`<code>${part}</code>` : part)),
  );
}
