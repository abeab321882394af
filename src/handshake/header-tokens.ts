/** Comma-separated header lists (RFC 9110 §5.6.1), as Node hands them over: a string or an array. */
export function headerTokens(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  const tokens: string[] = [];
  for (const part of joined.split(',')) {
    const token = part.trim();
    if (token !== '') tokens.push(token);
  }
  return tokens;
}

/** Does the list hold `wanted` (given in lower case), compared case-insensitively? */
export function hasToken(value: string | string[] | undefined, wanted: string): boolean {
  // The usual header is the token alone (`Upgrade: websocket`): no list to build.
  if (typeof value === 'string' && value.length === wanted.length) return value.toLowerCase() === wanted;
  return headerTokens(value).some((token) => token.toLowerCase() === wanted);
}

/** RFC 9110 §5.6.2 token characters. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
