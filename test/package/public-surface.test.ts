/**
 * The published declarations (from the `dist/` that `npm test` builds first) expose exactly the
 * reviewed surface in `public-surface.txt`: a member that appears there without being added to
 * that list (and documented) fails here, and so does a member that disappears. After a deliberate
 * change of the public API, regenerate the list with
 * `UPDATE_PUBLIC_SURFACE=1 npx jest test/package/public-surface` and review the diff.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { publicSurface } from './public-surface';

const root = path.resolve(__dirname, '../..');
const listFile = path.join(__dirname, 'public-surface.txt');
const HEADER = '# The public surface of the published types: entry points and their exports, then members.\n';

function declarationFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts')).map((f) => path.join(dir, f));
}

test('the built declarations expose the reviewed public surface, and the same in CommonJS and ESM', () => {
  const cjs = publicSurface(path.join(root, 'dist/cjs'));
  expect(publicSurface(path.join(root, 'dist/esm'))).toEqual(cjs);
  if (process.env.UPDATE_PUBLIC_SURFACE === '1') fs.writeFileSync(listFile, HEADER + cjs.join('\n') + '\n');
  const reviewed = fs.readFileSync(listFile, 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  expect(cjs).toEqual(reviewed);
}, 60000);

test('no published declaration carries an @internal member', () => {
  const marked = declarationFiles(path.join(root, 'dist')).filter((file) => fs.readFileSync(file, 'utf8').includes('@internal'));
  expect(marked).toEqual([]);
});

test('the session engine and the accessors to it are not exported by any entry point', () => {
  const surface = publicSurface(path.join(root, 'dist/cjs'));
  for (const name of ['Connection', 'connectionOf', 'closeWithStatus', 'writeFrame', 'shutdown', 'SessionRegistry']) {
    expect(surface.filter((line) => line.endsWith(`: ${name}`))).toEqual([]);
  }
  expect(surface.filter((line) => /#(sendFrame|fail|deliver|pipelineBytes|writeCloseFrame|closeWithStatus|onData|finish)\b/.test(line))).toEqual([]);
});
