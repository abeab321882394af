#!/usr/bin/env node
/*
 * Micro-benchmark of unmasking (RFC 6455 §5.3 XOR) at 64 B, 16 KiB and 1 MiB:
 *   - hatchway's `unmaskInPlace` as built (src/ws-frame-parser/mask.ts: through the WebAssembly
 *     SIMD window of xor-window.ts from 256 bytes),
 *   - hatchway's `unmaskWithoutSimd`, the JavaScript word loop used where WebAssembly SIMD is missing,
 *   - bufferutil's native unmask, when installed (what ws uses).
 * `node bench/unmask-micro.mjs [BUILD_DIR]` (default .bench-out/hatchway, else dist/cjs). Pin it
 * (`taskset -c 0`) and run it twice: this machine is shared.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const buildDir = [process.argv[2], path.join(ROOT, '.bench-out', 'hatchway'), path.join(ROOT, 'dist', 'cjs')]
  .filter(Boolean)
  .find((d) => fs.existsSync(path.join(d, 'src', 'ws-frame-parser', 'mask.js')));
if (!buildDir) {
  console.error('no hatchway build found: run `npm run build` or `npm run bench -- --smoke` first');
  process.exit(2);
}
const { unmaskInPlace, unmaskWithoutSimd } = require(path.join(buildDir, 'src', 'ws-frame-parser', 'mask.js'));

const candidates = [
  ['hatchway (as built)', (d, k) => unmaskInPlace(d, k)],
  ['hatchway without SIMD', (d, k) => unmaskWithoutSimd(d, k)],
];
try {
  const bufferutil = require('bufferutil');
  candidates.push(['bufferutil (native)', (d, k) => bufferutil.unmask(d, k)]);
} catch {
  // not installed
}

const key = new Uint8Array([0x12, 0x9a, 0xfe, 0x33]);
const sample = Buffer.from(Array.from({ length: 100003 }, (_, i) => (i * 7) & 255));
const expected = Buffer.from(sample);
for (let i = 1; i < expected.length; i++) expected[i] ^= key[(i - 1) & 3];
for (const [name, f] of candidates) {
  const copy = Buffer.from(sample);
  f(copy.subarray(1), key);
  if (!copy.equals(expected)) throw new Error(`${name} gives a different result`);
}

console.log(`build: ${path.relative(ROOT, buildDir)}; GB/s and microseconds per call (odd offset: unaligned start)`);
for (const size of [64, 16384, 1 << 20]) {
  const data = Buffer.alloc(size + 8).subarray(3, 3 + size);
  for (const [name, f] of candidates) {
    const iterations = Math.max(20, Math.floor(3e8 / size));
    for (let k = 0; k < iterations / 10; k++) f(data, key);
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < iterations; k++) f(data, key);
    const ns = Number(process.hrtime.bigint() - t0);
    console.log(`${String(size).padStart(8)} B  ${name.padEnd(22)} ${((size * iterations) / ns).toFixed(2).padStart(6)} GB/s  ${(ns / iterations / 1000).toFixed(3).padStart(9)} us`);
  }
}
