/**
 * `Sec-WebSocket-Extensions` by the grammar of RFC 6455 §9.1: a list of extensions, each a
 * token with `;`-separated parameters whose values are tokens or quoted strings. A hand-written
 * scanner, linear in the input (no backtracking regular expression to exploit).
 *
 * Values follow the `websocket-extensions` convention so that its plugins work unchanged: a
 * bare parameter is `true`, a numeric value a number, a repeated parameter an array. Parameters
 * are plain objects (plugins call `params.hasOwnProperty`), every name an own property, even
 * `__proto__`, so a header can neither reach nor change a prototype.
 */
export type ParamValue = string | number | true;
export type ExtensionParams = Record<string, ParamValue | ParamValue[]>;

export interface ExtensionOffer {
  name: string;
  params: ExtensionParams;
}

export class ExtensionHeaderError extends SyntaxError {
  constructor(header: string) {
    super(`invalid Sec-WebSocket-Extensions header: ${JSON.stringify(header.slice(0, 200))}`);
    this.name = 'ExtensionHeaderError';
  }
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

export function parseExtensions(header: string | undefined): ExtensionOffer[] {
  if (header === undefined || header.trim() === '') return [];
  const scanner = new Scanner(header);
  const offers: ExtensionOffer[] = [];
  do {
    scanner.skipSpace();
    const name = scanner.token();
    const params: ExtensionParams = {};
    scanner.skipSpace();
    while (scanner.eat(';')) {
      scanner.skipSpace();
      const key = scanner.token();
      scanner.skipSpace();
      let value: ParamValue = true;
      if (scanner.eat('=')) {
        scanner.skipSpace();
        const raw = scanner.peek() === '"' ? scanner.quoted() : scanner.token();
        value = NUMBER.test(raw) ? Number(raw) : raw;
        scanner.skipSpace();
      }
      // Appended in place: copying the array for each repeat would make a header of many
      // repeats (`a; b; b; b; ...`) quadratic to parse.
      const existing = Object.hasOwn(params, key) ? params[key] : undefined;
      if (existing === undefined) setParam(params, key, value);
      else if (Array.isArray(existing)) existing.push(value);
      else setParam(params, key, [existing, value]);
    }
    offers.push({ name, params });
  } while (scanner.eat(','));
  scanner.skipSpace();
  if (!scanner.done) throw new ExtensionHeaderError(header);
  return offers;
}

function setParam(params: ExtensionParams, key: string, value: ParamValue | ParamValue[]): void {
  Object.defineProperty(params, key, { value, enumerable: true, writable: true, configurable: true });
}

export function serializeExtension(name: string, params: ExtensionParams): string {
  let out = name;
  for (const [key, raw] of Object.entries(params)) {
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (value === true) out += `; ${key}`;
      else if (typeof value === 'number' || /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value)) out += `; ${key}=${value}`;
      else out += `; ${key}="${value.replace(/(["\\])/g, '\\$1')}"`;
    }
  }
  return out;
}

class Scanner {
  private at = 0;
  constructor(private readonly text: string) {}

  get done(): boolean {
    return this.at >= this.text.length;
  }

  peek(): string {
    return this.text[this.at] ?? '';
  }

  eat(char: string): boolean {
    if (this.text[this.at] !== char) return false;
    this.at++;
    return true;
  }

  skipSpace(): void {
    while (this.at < this.text.length && (this.text[this.at] === ' ' || this.text[this.at] === '\t')) this.at++;
  }

  token(): string {
    const start = this.at;
    while (this.at < this.text.length && TCHAR.test(this.text[this.at]!)) this.at++;
    if (this.at === start) throw new ExtensionHeaderError(this.text);
    return this.text.slice(start, this.at);
  }

  /** RFC 9110 §5.6.4 quoted-string; the value must still be a token once unquoted (RFC 6455 §9.1). */
  quoted(): string {
    this.at++;
    let value = '';
    for (;;) {
      const char = this.text[this.at++];
      if (char === undefined) throw new ExtensionHeaderError(this.text);
      if (char === '"') break;
      if (char === '\\') {
        const escaped = this.text[this.at++];
        if (escaped === undefined) throw new ExtensionHeaderError(this.text);
        value += escaped;
      } else {
        value += char;
      }
    }
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value)) throw new ExtensionHeaderError(this.text);
    return value;
  }
}
