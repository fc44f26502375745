// A Jamf extension attribute's answer on stdout: <result>VALUE</result>. Jamf stores the text between
// <result> and </result> (Jamf Pro documentation, Extension Attribute Input Types), and the values carry
// user names from the Mac, so:
// - no control or invisible character (displayText: visible escapes): the value stays one line, and
//   what Jamf stores, shows in inventory and matches in smart groups holds no ESC, NUL or bidi override;
// - & < > as XML entities, so no value can close the tag early or open another (`</result>`) whichever
//   way Jamf reads the text. Real values never contain them (macOS short names do not), so the cost of
//   Jamf keeping an entity as typed falls only on a name that was crafted to break the answer.
import { displayText } from './snapshot/display-text.ts';

export function renderEa(value: string): string {
  const text = displayText(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<result>${text}</result>`;
}
