/**
 * The pieces of a message that arrived in several chunks or fragments, kept as a list and
 * joined once at the end.
 *
 * Large pieces are kept as views of the input (no copy). Small ones are copied into a shared
 * carry buffer, so that a peer sending one byte per TCP segment costs bytes, not one object
 * per byte.
 */
export type Allocate = (size: number) => Uint8Array;

/** Pieces at least this long are kept by reference. */
const BY_REFERENCE = 4096;
/** Size of each carry buffer for small pieces. */
const CARRY_SIZE = 16384;

export class ChunkList {
  private pieces: Uint8Array[] = [];
  private carry: Uint8Array | null = null;
  private carryStart = 0;
  private carryUsed = 0;
  /** Whether the last element of `pieces` is the open view of `carry`. */
  private lastIsCarry = false;
  byteLength = 0;

  constructor(private readonly allocate: Allocate) {}

  append(piece: Uint8Array): void {
    const length = piece.length;
    if (length === 0) return;
    this.byteLength += length;
    if (length >= BY_REFERENCE) {
      this.pieces.push(piece);
      this.lastIsCarry = false;
      return;
    }
    let carry = this.carry;
    if (carry === null || carry.length - this.carryUsed < length || !this.lastIsCarry) {
      if (carry === null || carry.length - this.carryUsed < length) {
        carry = this.carry = this.allocate(CARRY_SIZE);
        this.carryUsed = 0;
      }
      this.carryStart = this.carryUsed;
      this.pieces.push(carry.subarray(this.carryStart, this.carryStart));
      this.lastIsCarry = true;
    }
    carry.set(piece, this.carryUsed);
    this.carryUsed += length;
    this.pieces[this.pieces.length - 1] = carry.subarray(this.carryStart, this.carryUsed);
  }

  /** Joins the pieces (no copy when there is only one) and empties the list. */
  take(): Uint8Array {
    const pieces = this.pieces;
    let result: Uint8Array;
    if (pieces.length === 1) {
      result = pieces[0]!;
      // The carry buffer now belongs to the caller's message.
      if (this.lastIsCarry) this.carry = null;
    } else {
      result = this.allocate(this.byteLength);
      this.takeInto(result);
      return result;
    }
    this.clear();
    return result;
  }

  /** Copies the pieces to the start of `target` (at least `byteLength` long), empties the list and returns how many bytes it copied. */
  takeInto(target: Uint8Array): number {
    let offset = 0;
    for (const piece of this.pieces) {
      target.set(piece, offset);
      offset += piece.length;
    }
    this.clear();
    return offset;
  }

  clear(): void {
    if (this.pieces.length !== 0) this.pieces = [];
    this.lastIsCarry = false;
    this.byteLength = 0;
    // A carry buffer whose bytes were copied out can be refilled from the start.
    if (this.carry !== null) this.carryUsed = 0;
  }
}
