/**
 * RFC 6455 masking with WebAssembly SIMD: payload bytes are copied into a 64 KiB window of
 * WebAssembly memory, XORed there 16 bytes per instruction, and copied out. The two copies are
 * native memcpy; together the three passes cost about a third of the best JavaScript word loop.
 *
 * The module is assembled from `xor-window.wat` beside this file (the test of this module checks
 * that these bytes match it). Where WebAssembly or its SIMD is missing (`--jitless`, old
 * engines) `createXorWindow` returns null and the JavaScript loop is used.
 */

/** The part of the WebAssembly JS API used here (declared locally: this folder has no DOM or Node types). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

export const XOR_WINDOW_MODULE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 2, 127, 127, 0, 3, 2, 1, 0, 5, 4, 1, 1, 1, 1, 7, 16,
  2, 6, 109, 101, 109, 111, 114, 121, 2, 0, 3, 120, 111, 114, 0, 0, 10, 195, 1, 1, 192, 1, 2, 2,
  127, 1, 123, 32, 1, 253, 17, 33, 4, 32, 0, 65, 64, 113, 33, 3, 2, 64, 3, 64, 32, 2, 32, 3, 79,
  13, 1, 32, 2, 32, 2, 253, 0, 4, 0, 32, 4, 253, 81, 253, 11, 4, 0, 32, 2, 32, 2, 253, 0, 4, 16,
  32, 4, 253, 81, 253, 11, 4, 16, 32, 2, 32, 2, 253, 0, 4, 32, 32, 4, 253, 81, 253, 11, 4, 32,
  32, 2, 32, 2, 253, 0, 4, 48, 32, 4, 253, 81, 253, 11, 4, 48, 32, 2, 65, 192, 0, 106, 33, 2, 12,
  0, 11, 11, 32, 0, 65, 124, 113, 33, 3, 2, 64, 3, 64, 32, 2, 32, 3, 79, 13, 1, 32, 2, 32, 2, 40,
  2, 0, 32, 1, 115, 54, 2, 0, 32, 2, 65, 4, 106, 33, 2, 12, 0, 11, 11, 2, 64, 3, 64, 32, 2, 32,
  0, 79, 13, 1, 32, 2, 32, 2, 45, 0, 0, 32, 1, 32, 2, 65, 3, 113, 65, 3, 116, 118, 115, 58, 0, 0,
  32, 2, 65, 1, 106, 33, 2, 12, 0, 11, 11, 11
]);

/** Bytes the window holds: one WebAssembly page. A multiple of 4, so the key phase is the same in every window. */
export const WINDOW_SIZE = 65536;

export interface XorWindow {
  /** A view of the whole window. */
  readonly bytes: Uint8Array;
  /** XORs window bytes [0, length) with `key`, a little-endian word whose low byte applies to byte 0. */
  xor(length: number, key: number): void;
}

export function createXorWindow(): XorWindow | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (api === undefined) return null;
  try {
    const instance = new api.Instance(new api.Module(XOR_WINDOW_MODULE));
    const memory = instance.exports['memory'] as { buffer: ArrayBuffer };
    const xor = instance.exports['xor'] as (length: number, key: number) => void;
    return { bytes: new Uint8Array(memory.buffer, 0, WINDOW_SIZE), xor };
  } catch {
    return null;
  }
}
