/**
 * The codec stays sans-I/O and self-contained: it compiles alone without Node's typings, and
 * imports nothing from outside its folder.
 */
import { execFileSync } from 'child_process';
import { readdirSync, readFileSync } from 'fs';
import { join, resolve } from 'path';

const ROOT = resolve(__dirname, '../..');
const DIR = join(ROOT, 'src/ws-frame-parser');
const sources = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

/** Module specifiers of every static import/export-from and dynamic import()/require() in `code`. */
function specifiers(code: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\/\/\/\s*<reference\s+(?:types|path)\s*=\s*['"]([^'"]+)['"]/g,
  ];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.push(match[1]!);
  return found;
}

describe('src/ws-frame-parser', () => {
  it('has the expected source files', () => {
    expect(sources).toEqual(
      expect.arrayContaining([
        'chunk-list.ts',
        'close-codes.ts',
        'failure.ts',
        'frame-parser.ts',
        'frame-serializer.ts',
        'index.ts',
        'mask.ts',
        'opcodes.ts',
        'utf8-validator.ts',
      ]),
    );
  });

  it('the import scanner finds every kind of import (so the next test can fail)', () => {
    const sample = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export * from 'node:fs';",
      "import 'side-effect';",
      "export { c } from './c.js';",
      "const d = await import('../../d.js');",
      "const e = require('net');",
      '/// <reference types="node" />',
      "import {\n  f,\n  g,\n} from './fg.js';",
    ].join('\n');
    expect(specifiers(sample)).toEqual(
      expect.arrayContaining(['./a.js', '../b.js', 'node:fs', 'side-effect', './c.js', '../../d.js', 'net', 'node', './fg.js']),
    );
    expect(specifiers(sample)).toHaveLength(9);
  });

  it('the scanner sees the imports the parser really has', () => {
    const found = specifiers(readFileSync(join(DIR, 'frame-parser.ts'), 'utf8'));
    expect(found).toEqual(expect.arrayContaining(['./chunk-list.js', './close-codes.js', './failure.js', './mask.js', './opcodes.js', './utf8-validator.js']));
    expect(specifiers(readFileSync(join(DIR, 'index.ts'), 'utf8')).length).toBeGreaterThanOrEqual(9);
  });

  it.each(sources)('%s imports only sibling modules of the folder', (file) => {
    const code = readFileSync(join(DIR, file), 'utf8');
    for (const specifier of specifiers(code)) {
      // './x.js' only: no '../', no packages, no Node built-ins.
      expect({ file, specifier, sibling: /^\.\/[^/]+$/.test(specifier) }).toEqual({ file, specifier, sibling: true });
      expect(sources).toContain(specifier.slice(2).replace(/\.js$/, '.ts'));
    }
  });

  it('compiles alone, without Node typings (tsc -p src/ws-frame-parser/tsconfig.json)', () => {
    const tsc = join(ROOT, 'node_modules/.bin/tsc');
    let output = '';
    let status = 0;
    try {
      output = execFileSync(tsc, ['-p', join(DIR, 'tsconfig.json'), '--noEmit'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const e = error as { status?: number; stdout?: string; stderr?: string };
      status = e.status ?? -1;
      output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    }
    expect({ status, output }).toEqual({ status: 0, output: '' });
  }, 60000);

  it('its tsconfig really excludes Node typings', () => {
    const config = JSON.parse(readFileSync(join(DIR, 'tsconfig.json'), 'utf8')) as { compilerOptions: { types?: string[]; lib?: string[] } };
    expect(config.compilerOptions.types).toEqual([]);
    expect(config.compilerOptions.lib ?? []).not.toContain('DOM');
  });
});
