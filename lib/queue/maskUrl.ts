// Query parameters that may carry a secret (ioredis takes options from the query too).
const kSecretParam = /pass|auth|secret|token|key/i;

/**
 * A Redis URL as messages may show it: the password, any query parameter
 * ioredis would read a secret from (`?password=`), and — in a string that is
 * no well-formed URL with a password (`redis:/:pw@host`, a typo) — all
 * before its `@` become `***`. Messages name the address, never the secret.
 * @example
 * ```ts
 * maskUrl('redis://user:secret@host:6379'); // 'redis://user:***@host:6379'
 * maskUrl('redis:/:secret@host'); // 'redis:***@host' (a typo: no authority, yet an @)
 * ```
 * @internal
 */
export function maskUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'an unparsable URL';
  }
  for (const key of [...url.searchParams.keys()]) if (kSecretParam.test(key)) url.searchParams.set(key, '***');
  if (url.password) {
    url.password = '***';
    return url.toString();
  }
  // A user name alone may be a password by an older convention (`redis://secret@host`): mask it too.
  if (url.username) {
    url.username = '***';
    return url.toString();
  }
  // No authority where a URL keeps one, yet an `@`: a malformed URL may still hold a password.
  const shown = url.toString();
  const at = shown.lastIndexOf('@');
  return at < 0 ? shown : `${url.protocol}***${shown.slice(at)}`;
}
