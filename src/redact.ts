/**
 * `text` with every secret replaced by [redacted]. Only secrets of a useful length are replaced,
 * so a short value cannot blank out ordinary words.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) if (secret.length >= MIN_SECRET_LENGTH) clean = clean.split(secret).join('[redacted]');
  return clean;
}

const MIN_SECRET_LENGTH = 8;
