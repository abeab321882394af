#!/usr/bin/env node
/*
 * Micro-benchmark of unmasking (RFC 6455 §5.3 XOR) at 64 B, 16 KiB and 1 MiB:
 *   - hatchway's `unmaskInPlace` as built (src/ws-frame-parser/mask.ts: Uint32Array word loop),
 *   - the same loop unrolled by 8 over an Int32Array,
 *   - a 199-byte WebAssembly SIMD module (v128.xor, 64 bytes per step), data copied in and out
 *     of its memory in windows of 1 MiB,
 *   - bufferutil's native unmask, when installed (what ws uses).
 * `node bench/unmask-micro.mjs [BUILD_DIR]` (default .bench-out/hatchway, else dist/cjs). Pin it
 * (`taskset -c 0`) and run it twice: this machine is shared.
 *
 * The WebAssembly module, from this text (wat2wasm, SIMD enabled):
 *
 * (module
 *   (memory (export "mem") 17)
 *   ;; xor [0, len) with the 4-byte key repeated (key already rotated to the start)
 *   (func (export "unmask") (param $len i32) (param $key i32)
 *     (local $i i32) (local $k v128) (local $end i32)
 *     (local.set $k (i32x4.splat (local.get $key)))
 *     (local.set $end (i32.and (local.get $len) (i32.const -64)))
 *     (block $done (loop $l
 *       (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
 *       (v128.store (local.get $i) (v128.xor (v128.load (local.get $i)) (local.get $k)))
 *       (v128.store offset=16 (local.get $i) (v128.xor (v128.load offset=16 (local.get $i)) (local.get $k)))
 *       (v128.store offset=32 (local.get $i) (v128.xor (v128.load offset=32 (local.get $i)) (local.get $k)))
 *       (v128.store offset=48 (local.get $i) (v128.xor (v128.load offset=48 (local.get $i)) (local.get $k)))
 *       (local.set $i (i32.add (local.get $i) (i32.const 64)))
 *       (br $l)))
 *     (local.set $end (i32.and (local.get $len) (i32.const -4)))
 *     (block $d2 (loop $l2
 *       (br_if $d2 (i32.ge_u (local.get $i) (local.get $end)))
 *       (i32.store (local.get $i) (i32.xor (i32.load (local.get $i)) (local.get $key)))
 *       (local.set $i (i32.add (local.get $i) (i32.const 4)))
 *       (br $l2)))))
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
const { unmaskInPlace } = require(path.join(buildDir, 'src', 'ws-frame-parser', 'mask.js'));

const WASM =
  'AGFzbQEAAAABBgFgAn9/AAMCAQAFAwEAEQcQAgNtZW0CAAZ1bm1hc2sAAAqZAQGWAQMBfwF7AX8gAf0RIQMgAEFAcSEEAkADQCACIARPDQEgAiAC/QAEACAD/VH9CwQAIAIgAv0ABBAgA/1R/QsEECACIAL9AAQgIAP9Uf0LBCAgAiAC/QAEMCAD/VH9CwQwIAJBwABqIQIMAAsLIABBfHEhBAJAA0AgAiAETw0BIAIgAigCACABczYCACACQQRqIQIMAAsLCw==';
const { instance } = await WebAssembly.instantiate(Buffer.from(WASM, 'base64'));
const memory = new Uint8Array(instance.exports.mem.buffer);
const wasmUnmask = instance.exports.unmask;
const WINDOW = 1 << 20;

const rotated = new Uint8Array(4);
const rotatedWord = new Int32Array(rotated.buffer);
function rotate(key, start) {
  rotated[0] = key[start & 3];
  rotated[1] = key[(start + 1) & 3];
  rotated[2] = key[(start + 2) & 3];
  rotated[3] = key[(start + 3) & 3];
  return rotatedWord[0];
}

function viaWasm(data, key) {
  for (let off = 0; off < data.length; off += WINDOW) {
    const n = Math.min(WINDOW, data.length - off);
    memory.set(data.subarray(off, off + n), 0);
    wasmUnmask(n, rotate(key, off));
    for (let i = n & ~3; i < n; i++) memory[i] ^= key[(off + i) & 3];
    data.set(memory.subarray(0, n), off);
  }
}

function unrolled(data, key) {
  const length = data.length;
  let i = 0;
  const misalignment = (4 - (data.byteOffset & 3)) & 3;
  for (; i < misalignment && i < length; i++) data[i] ^= key[i & 3];
  const word = rotate(key, i);
  const words = (length - i) >>> 2;
  const view = new Int32Array(data.buffer, data.byteOffset + i, words);
  let w = 0;
  for (const end = words - 7; w < end; w += 8) {
    view[w] ^= word;
    view[w + 1] ^= word;
    view[w + 2] ^= word;
    view[w + 3] ^= word;
    view[w + 4] ^= word;
    view[w + 5] ^= word;
    view[w + 6] ^= word;
    view[w + 7] ^= word;
  }
  for (; w < words; w++) view[w] ^= word;
  for (i += words << 2; i < length; i++) data[i] ^= key[i & 3];
}

const candidates = [
  ['hatchway (as built)', (d, k) => unmaskInPlace(d, k)],
  ['unrolled x8', unrolled],
  ['wasm simd', viaWasm],
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
unmaskInPlace(expected.subarray(1), key);
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
    console.log(`${String(size).padStart(8)} B  ${name.padEnd(20)} ${((size * iterations) / ns).toFixed(2).padStart(6)} GB/s  ${(ns / iterations / 1000).toFixed(3).padStart(9)} us`);
  }
}
