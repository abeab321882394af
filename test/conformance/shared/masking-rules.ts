/**
 * The one rule of RFC 6455 that differs by sender: how frames are masked (§5.1, §5.3).
 * Each rule reports what a frame from that sender did wrong.
 */
import type { ParsedFrame } from './frame-reader';

export type MaskingRule = (frame: ParsedFrame, report: (message: string) => void) => void;

/** §5.1: "A server MUST NOT mask any frames that it sends to the client." */
export const serverMasking: MaskingRule = (frame, report) => {
  if (frame.masked) report(`server sent a masked frame (opcode ${frame.opcode}); servers must not mask`);
};

/**
 * §5.1: a client MUST mask every frame; §5.3: with a fresh key that an attacker cannot predict.
 * Unpredictability cannot be observed, but an all-zero key (no masking at all) and a key reused
 * from the previous frame both defeat it. Stateful: one rule per connection.
 */
export function clientMasking(): MaskingRule {
  let previousKey: Buffer | null = null;
  return (frame, report) => {
    const name = `opcode ${frame.opcode}`;
    if (frame.key === null) return report(`client sent an unmasked frame (${name})`);
    if (frame.key.readUInt32BE(0) === 0) report(`client masked a frame (${name}) with an all-zero key`);
    if (previousKey !== null && previousKey.equals(frame.key)) report(`client reused the mask key of its previous frame (${name})`);
    previousKey = frame.key;
  };
}
