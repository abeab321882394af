/**
 * Stand-ins for the five corpora of Autobahn category 12 (a JSON document, the lena512.bmp
 * image, Goethe's Faust, an HTML page, a PDF), made here from a seeded generator so the suite
 * needs no files: each has the character of its original (repetitive markup and keys, smooth
 * pixels with noise, natural-language text with umlauts, high-entropy streams inside ASCII
 * syntax), which is what decides how deflate behaves on it.
 */

function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

const CORPUS_BYTES = 320 * 1024;

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[next() % items.length]!;
}

export function jsonCorpus(): Buffer {
  const next = prng(12_1);
  const names = ['Zoë', 'Ana', 'Jürgen', '東京', 'Łukasz', 'Chloé', 'Ólafur', 'Søren', 'محمد', 'Ελένη'];
  const tags = ['alpha', 'beta', 'gamma', 'delta', 'websocket', 'deflate', 'json', 'κόσμε'];
  const items: string[] = [];
  let length = 0;
  for (let id = 0; length < CORPUS_BYTES; id++) {
    const item = JSON.stringify({
      id,
      name: pick(next, names),
      active: next() % 2 === 0,
      score: (next() % 100000) / 100,
      tags: [pick(next, tags), pick(next, tags)],
      address: { street: `${next() % 999} Main St`, city: pick(next, names), zip: String(10000 + (next() % 89999)) },
    });
    items.push(item);
    length += Buffer.byteLength(item) + 2;
  }
  return Buffer.from(`[${items.join(',\n')}]`);
}

/** A 512×512 24-bit BMP: smooth gradients with a little noise, like a photograph. */
export function bitmapCorpus(): Buffer {
  const next = prng(12_2);
  const width = 512;
  const height = 512;
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + width * height * 3, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(width, 18);
  header.writeInt32LE(height, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      const noise = (next() % 9) - 4;
      pixels[at] = Math.max(0, Math.min(255, ((x + y) >> 2) + noise));
      pixels[at + 1] = Math.max(0, Math.min(255, 128 + Math.round(100 * Math.sin(x / 40) * Math.cos(y / 55)) + noise));
      pixels[at + 2] = Math.max(0, Math.min(255, (y >> 1) + noise));
    }
  }
  return Buffer.concat([header, pixels]);
}

/** German verse (sent as binary by Autobahn). */
export function faustCorpus(): Buffer {
  const next = prng(12_3);
  const words = ['Habe', 'nun', 'ach', 'Philosophie', 'Juristerei', 'und', 'Medizin', 'leider', 'auch', 'Theologie', 'durchaus', 'studiert', 'mit', 'heißem', 'Bemühn', 'Da', 'steh', 'ich', 'armer', 'Tor', 'bin', 'so', 'klug', 'als', 'wie', 'zuvor', 'Heiße', 'Magister', 'Doktor', 'gar', 'Schüler', 'Geist', 'Welt', 'Natur', 'Mephistopheles', 'Gretchen', 'Nacht', 'Zimmer', 'hochgewölbten', 'engen', 'gotischen'];
  const lines: string[] = [];
  let length = 0;
  while (length < CORPUS_BYTES) {
    const count = 4 + (next() % 6);
    const words_ = Array.from({ length: count }, () => pick(next, words));
    const line = words_.join(' ') + pick(next, [',', '!', ';', '.', '']);
    lines.push(line);
    length += Buffer.byteLength(line) + 1;
  }
  return Buffer.from(lines.join('\n'));
}

export function htmlCorpus(): Buffer {
  const next = prng(12_4);
  const text = ['Über uns', 'Kontakt', 'Produkte', 'Café au lait', 'naïve résumé', '日本語のテキスト', 'Привет, мир', '¡Hola!', 'emoji 🦊🎉'];
  const parts: string[] = ['<!DOCTYPE html>\n<html lang="de">\n<head><meta charset="utf-8"><title>Startseite</title></head>\n<body>\n'];
  let length = 0;
  while (length < CORPUS_BYTES) {
    const part = `<div class="card card-${next() % 12}"><h2 id="s${next() % 1000}">${pick(next, text)}</h2><p>${pick(next, text)} ${pick(next, text)}</p><a href="/page/${next() % 500}">${pick(next, text)}</a></div>\n`;
    parts.push(part);
    length += Buffer.byteLength(part);
  }
  parts.push('</body>\n</html>\n');
  return Buffer.from(parts.join(''));
}

/** PDF-like: ASCII object syntax around high-entropy (already compressed) streams. */
export function pdfCorpus(): Buffer {
  const next = prng(12_5);
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = 0;
  for (let object = 1; length < CORPUS_BYTES; object++) {
    const streamLength = 200 + (next() % 3000);
    const stream = Buffer.alloc(streamLength);
    for (let i = 0; i < streamLength; i++) stream[i] = next() & 0xff;
    const head = Buffer.from(`${object} 0 obj\n<< /Length ${streamLength} /Filter /FlateDecode >>\nstream\n`, 'latin1');
    const tail = Buffer.from('\nendstream\nendobj\n', 'latin1');
    parts.push(head, stream, tail);
    length += head.length + streamLength + tail.length;
  }
  return Buffer.concat(parts);
}

/**
 * The `index`-th slice of `size` bytes from `corpus`, at rotating offsets. For text corpora the
 * slice is valid UTF-8 of exactly `size` bytes: it starts on a character and a character cut at
 * the end is replaced by spaces.
 */
export function sliceOf(corpus: Buffer, size: number, index: number, text: boolean): Buffer {
  let start = (index * 7919 + size * 31) % (corpus.length - size);
  if (!text) return corpus.subarray(start, start + size);
  while ((corpus[start]! & 0xc0) === 0x80) start++;
  const out = Buffer.from(corpus.subarray(start, start + size));
  // Find where the last character starts; blank it out if it does not fit.
  let lead = out.length - 1;
  while (lead > 0 && (out[lead]! & 0xc0) === 0x80) lead--;
  const first = out[lead]!;
  const need = first < 0x80 ? 1 : first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : 2;
  if (lead + need > out.length) out.fill(0x20, lead);
  return out;
}
