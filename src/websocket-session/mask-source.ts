/**
 * Masking keys for frames sent by a client (RFC 6455 §5.3: fresh and unpredictable for each
 * frame), drawn from a pool of random bytes refilled by the system CSPRNG.
 */
import { randomFillSync } from 'node:crypto';
import type { MaskSource } from '../ws-frame-parser/index.js';

const POOL_SIZE = 8192;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

export const randomMask: MaskSource = (key) => {
  if (offset === POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  key[0] = pool[offset]!;
  key[1] = pool[offset + 1]!;
  key[2] = pool[offset + 2]!;
  key[3] = pool[offset + 3]!;
  offset += 4;
};
