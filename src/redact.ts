/** Secrets shorter than this are not redacted, and a start of a secret this long is redacted too. */
export const SECRET_MIN_CHARS = 8;

/**
 * A function that removes secrets from a text, whatever field or error message they hide in, in
 * every form a line can carry them (secretForms), and cut short: any run of at least
 * SECRET_MIN_CHARS characters that starts one of those forms is replaced, however far it goes,
 * so a server that echoes "sk-abc12345…" leaks nothing either. A key cut anywhere leaves at most
 * its first SECRET_MIN_CHARS − 1 characters; the bot itself shows a key only by its last four
 * (keyLabel), and a secret's tail alone is never redacted. Only secrets of a useful length are
 * replaced, so a short value cannot blank out ordinary words. The forms are worked out once.
 */
export function secretRedactor(secrets: readonly string[]): (text: string) => string {
  const forms = [...new Set(secrets.filter((s) => s.length >= SECRET_MIN_CHARS).flatMap(secretForms))];
  return (text) => (forms.length === 0 ? text : redact(text, forms));
}

/** `text` with every secret replaced by [redacted] (see secretRedactor). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return secretRedactor(secrets)(text);
}

/**
 * How a secret can be spelled in a JSON log line:
 * - as given, or as a server that decoded it from a header as UTF-8 echoes it (each character
 *   beyond ASCII, sent as one Latin-1 byte, becomes U+FFFD);
 * - URL-encoded (a server echoing a request URL): component, URI and form encoding, either hex case;
 * - each of those JSON-escaped, as the line itself is JSON (a `"`, `\` or tab is escaped), with
 *   characters beyond ASCII kept or as \u escapes (JSON encoders that escape them, such as
 *   Python's, behind a proxy), and JSON-escaped once more: the OpenAI SDK puts an error body
 *   with no message into its message as JSON, and the line escapes that again.
 */
function secretForms(secret: string): string[] {
  const spelled = new Set([secret, secret.replace(/\P{ASCII}/gu, '\uFFFD')]);
  for (const given of [...spelled]) {
    for (const encoded of urlEncodings(given)) {
      spelled.add(encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toUpperCase()));
      spelled.add(encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
    }
  }
  const escaped = new Set<string>();
  for (const form of spelled) {
    const once = [form, jsonEscaped(form), asciiJsonEscaped(form, 'lower'), asciiJsonEscaped(form, 'upper')];
    for (const inner of once) {
      escaped.add(inner);
      escaped.add(jsonEscaped(inner));
    }
  }
  return [...escaped];
}

function urlEncodings(text: string): string[] {
  try {
    return [encodeURIComponent(text), encodeURI(text), new URLSearchParams({ s: text }).toString().slice('s='.length)];
  } catch {
    return []; // a lone surrogate cannot be URL-encoded, so it is not sent that way either
  }
}

function jsonEscaped(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function asciiJsonEscaped(text: string, hex: 'lower' | 'upper'): string {
  return jsonEscaped(text).replace(/[\u0080-\uffff]/g, (c) => {
    const code = c.charCodeAt(0).toString(16).padStart(4, '0');
    return `\\u${hex === 'lower' ? code : code.toUpperCase()}`;
  });
}

/** `line` with every run that starts a form (SECRET_MIN_CHARS or more of it) replaced. */
function redact(line: string, forms: readonly string[]): string {
  const found: Array<[start: number, end: number]> = [];
  for (const form of forms) {
    const head = form.slice(0, SECRET_MIN_CHARS);
    for (let at = line.indexOf(head); at !== -1; at = line.indexOf(head, at + 1)) {
      let end = at + head.length;
      while (end - at < form.length && line[end] === form[end - at]) end += 1;
      found.push([at, end]);
    }
  }
  if (found.length === 0) return line;
  // Overlapping finds (one form's start inside another's) are one secret: redact their union.
  found.sort((a, b) => a[0] - b[0]);
  let clean = '';
  let written = 0;
  for (const [start, end] of found) {
    if (end <= written) continue;
    if (start >= written) clean += `${line.slice(written, start)}[redacted]`;
    written = end;
  }
  return clean + line.slice(written);
}

