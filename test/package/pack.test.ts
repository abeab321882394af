/**
 * The package as a user installs it (from the `dist/` that `npm test` builds first): `npm pack`, install the tarball into an empty project,
 * then `require('hatchway')`, `import('hatchway')`, a strict TypeScript check of both, and `npx hatchway` (the `bin`).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
let project: string;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'hatchway-pack-'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], root)) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  const files = packed[0]!.files.map((f) => f.path);
  expect(files).toContain('dist/cjs/adapters/index.js');
  expect(files).toContain('dist/esm/adapters/index.js');
  expect(files).toContain('dist/cjs/adapters/index.d.ts');
  expect(files).toContain('dist/cjs/adapters/cli/main.js');
  expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.includes('.test.'))).toBe(false);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', path.join(project, packed[0]!.filename)], project);
}, 180000);

afterAll(() => {
  fs.rmSync(project, { recursive: true, force: true });
});

test('require("hatchway") gives the public API', () => {
  const out = run('node', ['-e', "const h = require('hatchway'); console.log(typeof h.WebSocket, h.WebSocket.OPEN, typeof h.ProtocolError, typeof h.websocket, typeof h.listen)"], project);
  expect(out.trim()).toBe('function 1 function function function');
});

test('the framework subpaths load with require and import', () => {
  const script = "for (const p of ['express', 'connect', 'koa']) { const m = require('hatchway/' + p); console.log(p, typeof m.websocket, typeof m.attach, typeof m.listen, typeof m.WebSocket); }";
  expect(run('node', ['-e', script], project).trim().split('\n')).toEqual([
    'express function function function function',
    'connect function function function function',
    'koa function function function function',
  ]);
  const esm = "const m = await import('hatchway/koa'); const e = await import('hatchway/express'); console.log(typeof m.websocket, typeof e.attach)";
  expect(run('node', ['--input-type=module', '-e', esm], project).trim()).toBe('function function');
});

test('hatchway/redis loads with require and import, with no Redis client installed', () => {
  const cjs = "const r = require('hatchway/redis'); let found = true; try { require.resolve('redis'); } catch { found = false; } console.log(typeof r.redisBroker, found)";
  expect(run('node', ['-e', cjs], project).trim()).toBe('function false');
  const esm = "const r = await import('hatchway/redis'); console.log(typeof r.redisBroker, typeof r.RedisBroker)";
  expect(run('node', ['--input-type=module', '-e', esm], project).trim()).toBe('function function');
});

test('import("hatchway") gives the public API', () => {
  const out = run(
    'node',
    ['--input-type=module', '-e', "const h = await import('hatchway'); console.log(typeof h.WebSocket, h.WebSocket.CLOSED, typeof h.createWebSocketStream)"],
    project,
  );
  expect(out.trim()).toBe('function 3 function');
});

test('npx hatchway runs the command of the installed package', () => {
  const bin = fs.realpathSync(path.join(project, 'node_modules', '.bin', 'hatchway'));
  expect(bin).toBe(fs.realpathSync(path.join(project, 'node_modules', 'hatchway', 'dist', 'cjs', 'adapters', 'cli', 'main.js')));
  expect(fs.statSync(bin).mode & 0o111).not.toBe(0);
  expect(run('npx', ['hatchway', '--help'], project)).toMatch(/^Usage: hatchway <command> \[options\]\n[^]*\n  connect <ws-url> /);
  expect(run('npx', ['hatchway', 'connect', '--help'], project)).toMatch(/^Usage: hatchway connect \[options\] <ws-url>\n/);
});

test('the bundled types compile under strict for ESM and CommonJS consumers', () => {
  const source = [
    "import { WebSocket, type WebSocketOptions } from 'hatchway';",
    "import type { IncomingMessage } from 'node:http';",
    "import type { Duplex } from 'node:stream';",
    'export function handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {',
    '  const options: WebSocketOptions = { ping: 30, maxLength: 1024 };',
    "  const ws = new WebSocket(req, socket, head, ['chat'], options);",
    "  ws.on('message', (event) => { const data: string | Buffer | ArrayBuffer = event.data; ws.send(data); });",
    "  ws.on('close', (event) => console.log(event.code, event.reason, event.wasClean));",
    '}',
  ].join('\n');
  fs.writeFileSync(path.join(project, 'esm.mts'), source);
  fs.writeFileSync(path.join(project, 'cjs.cts'), source);
  const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
  const typeRoots = path.join(root, 'node_modules', '@types');
  run(
    tsc,
    ['--noEmit', '--strict', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--typeRoots', typeRoots, '--types', 'node', 'esm.mts', 'cjs.cts'],
    project,
  );
});
