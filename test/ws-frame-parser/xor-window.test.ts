/**
 * The WebAssembly SIMD masking window: its embedded bytes are exactly `xor-window.wat` assembled,
 * it loads on this Node, and it XORs like RFC 6455 §5.3 says for every length up to a window.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createXorWindow, WINDOW_SIZE, XOR_WINDOW_MODULE } from '../../src/ws-frame-parser/xor-window';
import { pseudoRandomBytes } from './helpers';

// wabt is a CommonJS module exporting a factory that resolves to the assembler.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadWabt = require('wabt') as () => Promise<{
  parseWat(name: string, text: string, features: Record<string, boolean>): { toBinary(o: object): { buffer: Uint8Array }; destroy(): void };
}>;

describe('xor-window', () => {
  it('embeds exactly the module that xor-window.wat assembles to', async () => {
    const wabt = await loadWabt();
    const source = fs.readFileSync(path.join(__dirname, '../../src/ws-frame-parser/xor-window.wat'), 'utf8');
    const module = wabt.parseWat('xor-window.wat', source, { simd: true });
    const assembled = Array.from(module.toBinary({}).buffer);
    module.destroy();
    // On a mismatch, the expected array is the new content of XOR_WINDOW_MODULE.
    expect(Array.from(XOR_WINDOW_MODULE)).toEqual(assembled);
  });

  it('loads on this Node (so masking of 256 bytes and more takes the SIMD path)', () => {
    const window = createXorWindow();
    expect(window).not.toBeNull();
    expect(window!.bytes.length).toBe(WINDOW_SIZE);
    expect(WINDOW_SIZE % 4).toBe(0);
  });

  it('XORs bytes [0, length) with the little-endian key word and nothing past them', () => {
    const window = createXorWindow()!;
    const key = [0x37, 0xfa, 0x21, 0x3d];
    const word = key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24);
    for (const length of [0, 1, 2, 3, 4, 5, 15, 16, 17, 63, 64, 65, 67, 127, 128, 1000, 4099, WINDOW_SIZE - 1, WINDOW_SIZE]) {
      const data = pseudoRandomBytes(WINDOW_SIZE, length + 1);
      window.bytes.set(data);
      window.xor(length, word);
      for (let i = 0; i < WINDOW_SIZE; i++) {
        const expected = i < length ? data[i]! ^ key[i & 3]! : data[i]!;
        if (window.bytes[i] !== expected) throw new Error(`length ${length}: byte ${i} is ${window.bytes[i]}, expected ${expected}`);
      }
    }
  });
});
