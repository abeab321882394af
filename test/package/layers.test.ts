/**
 * The shape of the source tree (docs/architecture.md): dependencies point one way, codec ← src ←
 * middleware ← adapters; library files stay under 300 lines (the frame parser's state machine may
 * stay whole), adapters and middleware under 120; at most six files sit loose at the root of src/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const LAYERS = ['src/ws-frame-parser', 'src', 'middleware', 'adapters'] as const;

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.posix.join(dir, f.split(path.sep).join('/')));
}

/** The layer a file belongs to: the most specific folder of LAYERS that holds it. */
function layerOf(file: string): number {
  for (let i = 0; i < LAYERS.length; i++) if (i !== 1 && file.startsWith(`${LAYERS[i]}/`)) return i;
  return file.startsWith('src/') ? 1 : -1;
}

function relativeImports(file: string): string[] {
  const code = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const found: string[] = [];
  for (const match of code.matchAll(/\b(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    found.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1]!)));
  }
  return found;
}

const files = ['src', 'middleware', 'adapters'].flatMap(sourceFiles);

test('no file imports from a layer above its own', () => {
  const upward: string[] = [];
  for (const file of files) {
    for (const target of relativeImports(file)) {
      if (layerOf(target) > layerOf(file)) upward.push(`${file} imports ${target}`);
    }
  }
  expect(upward).toEqual([]);
});

test('the two codecs (RFC 6455 and the hixie drafts) import nothing but their own files', () => {
  const outside: string[] = [];
  for (const codec of ['src/ws-frame-parser', 'src/hixie-frame-parser']) {
    for (const file of sourceFiles(codec)) {
      const code = fs.readFileSync(path.join(ROOT, file), 'utf8');
      for (const match of code.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const target = match[1]!.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1]!)) : match[1]!;
        if (!target.startsWith(`${codec}/`)) outside.push(`${file} imports ${target}`);
      }
    }
  }
  expect(outside).toEqual([]);
});

test('library files stay under 300 lines, adapters and middleware under 120', () => {
  const tooLong: string[] = [];
  for (const file of files) {
    const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').length - 1;
    const limit = file.startsWith('src/') ? 300 : 120;
    if (lines > limit && file !== 'src/ws-frame-parser/frame-parser.ts') tooLong.push(`${file}: ${lines} lines`);
  }
  expect(tooLong).toEqual([]);
});

test('at most six files sit loose at the root of src/, the rest in folders by concern', () => {
  const loose = fs.readdirSync(path.join(ROOT, 'src')).filter((f) => f.endsWith('.ts'));
  expect(loose.length).toBeLessThanOrEqual(6);
  expect(loose).toContain('index.ts');
});
