// Identity -> position, for the ~10,000 short-id identities of one session's snapshot. Identities
// are 48-bit numbers; a Map keyed by them boxes every key, this open-addressing table does not.
export class IdentityTable {
  readonly #identities: Float64Array;
  /** Position + 1; 0 marks an empty slot. */
  readonly #positions: Int32Array;
  readonly #mask: number;
  /** Slots come from the top bits of a multiplicative hash: identities may have zero low bits. */
  readonly #shift: number;
  #size = 0;

  constructor(capacity: number) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.#identities = new Float64Array(slots);
    this.#positions = new Int32Array(slots);
    this.#mask = slots - 1;
    this.#shift = 32 - Math.log2(slots);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds an identity unless present; returns the position already held, or -1 when added. */
  add(identity: number, position: number): number {
    let slot = this.#slotOf(identity);
    while (this.#positions[slot] !== 0) {
      if (this.#identities[slot] === identity) return this.#positions[slot]! - 1;
      slot = (slot + 1) & this.#mask;
    }
    this.#identities[slot] = identity;
    this.#positions[slot] = position + 1;
    this.#size++;
    return -1;
  }

  /** The position of an identity, or -1. */
  get(identity: number): number {
    let slot = this.#slotOf(identity);
    while (this.#positions[slot] !== 0) {
      if (this.#identities[slot] === identity) return this.#positions[slot]! - 1;
      slot = (slot + 1) & this.#mask;
    }
    return -1;
  }

  has(identity: number): boolean {
    return this.get(identity) >= 0;
  }

  #slotOf(identity: number): number {
    const high = Math.floor(identity / 0x10000) >>> 0;
    return Math.imul(high ^ Math.imul(identity % 0x10000, 0x85ebca6b), 0x9e3779b1) >>> this.#shift;
  }
}
