/**
 * Keccak-256 (the original Keccak padding, as Solana's `keccak::hashv` and so SPL account
 * compression and Bubblegum use it; not NIST SHA3-256, which Node's crypto has). Core may import
 * only effect, and the tree replica needs the chain's own hash to prove its roots, so it lives
 * here: 64-bit lanes as pairs of 32-bit halves, no BigInt in the permutation.
 */

/** The 24 round constants, as [low, high] halves. */
const roundConstants = new Uint32Array([
  0x00000001, 0x00000000, 0x00008082, 0x00000000, 0x0000808a, 0x80000000, 0x80008000, 0x80000000, 0x0000808b,
  0x00000000, 0x80000001, 0x00000000, 0x80008081, 0x80000000, 0x00008009, 0x80000000, 0x0000008a, 0x00000000,
  0x00000088, 0x00000000, 0x80008009, 0x00000000, 0x8000000a, 0x00000000, 0x8000808b, 0x00000000, 0x0000008b,
  0x80000000, 0x00008089, 0x80000000, 0x00008003, 0x80000000, 0x00008002, 0x80000000, 0x00000080, 0x80000000,
  0x0000800a, 0x00000000, 0x8000000a, 0x80000000, 0x80008081, 0x80000000, 0x00008080, 0x80000000, 0x80000001,
  0x00000000, 0x80008008, 0x80000000
])

/** Rotation of lane x + 5y (rho). */
const rotations = Int32Array.from([
  0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14
])
/** Where lane x + 5y goes (pi): to y + 5 * ((2x + 3y) mod 5). */
const destinations = Int32Array.from(rotations, (_, i) => {
  const x = i % 5
  const y = Math.floor(i / 5)
  return y + 5 * ((2 * x + 3 * y) % 5)
})

const RATE = 136

const lo = new Uint32Array(25)
const hi = new Uint32Array(25)
const bLo = new Uint32Array(25)
const bHi = new Uint32Array(25)
const c = new Uint32Array(10)
const block = new Uint8Array(RATE)

/** For each lane x + 5y, the lanes x + 1 and x + 2 of its row (chi). */
const chiNext = Int32Array.from({ length: 25 }, (_, i) => i - (i % 5) + (((i % 5) + 1) % 5))
const chiAfter = Int32Array.from({ length: 25 }, (_, i) => i - (i % 5) + (((i % 5) + 2) % 5))

const permute = () => {
  for (let round = 0; round < 24; round++) {
    // theta
    for (let x = 0; x < 5; x++) {
      c[x] = lo[x]! ^ lo[x + 5]! ^ lo[x + 10]! ^ lo[x + 15]! ^ lo[x + 20]!
      c[x + 5] = hi[x]! ^ hi[x + 5]! ^ hi[x + 10]! ^ hi[x + 15]! ^ hi[x + 20]!
    }
    for (let x = 0; x < 5; x++) {
      const next = x === 4 ? 0 : x + 1
      const prev = x === 0 ? 4 : x - 1
      const nextLo = c[next]!
      const nextHi = c[next + 5]!
      const dLo = c[prev]! ^ ((nextLo << 1) | (nextHi >>> 31))
      const dHi = c[prev + 5]! ^ ((nextHi << 1) | (nextLo >>> 31))
      lo[x]! ^= dLo
      hi[x]! ^= dHi
      lo[x + 5]! ^= dLo
      hi[x + 5]! ^= dHi
      lo[x + 10]! ^= dLo
      hi[x + 10]! ^= dHi
      lo[x + 15]! ^= dLo
      hi[x + 15]! ^= dHi
      lo[x + 20]! ^= dLo
      hi[x + 20]! ^= dHi
    }
    // rho and pi
    bLo[0] = lo[0]!
    bHi[0] = hi[0]!
    for (let i = 1; i < 25; i++) {
      const n = rotations[i]!
      const l = lo[i]!
      const h = hi[i]!
      const to = destinations[i]!
      if (n < 32) {
        bLo[to] = (l << n) | (h >>> (32 - n))
        bHi[to] = (h << n) | (l >>> (32 - n))
      } else {
        const m = n - 32
        bLo[to] = (h << m) | (l >>> (32 - m))
        bHi[to] = (l << m) | (h >>> (32 - m))
      }
    }
    // chi
    for (let a = 0; a < 25; a++) {
      const b = chiNext[a]!
      const d = chiAfter[a]!
      lo[a] = bLo[a]! ^ (~bLo[b]! & bLo[d]!)
      hi[a] = bHi[a]! ^ (~bHi[b]! & bHi[d]!)
    }
    // iota
    lo[0]! ^= roundConstants[round * 2]!
    hi[0]! ^= roundConstants[round * 2 + 1]!
  }
}

/** Keccak-256 of the parts, concatenated (as `hashv` takes them). */
export const keccak256 = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  // The state is reused across calls: JavaScript runs one call at a time, and allocating it
  // each time cost more than the permutation of a 64-byte input.
  lo.fill(0)
  hi.fill(0)
  block.fill(0)
  let filled = 0
  const absorb = () => {
    for (let i = 0; i < RATE / 8; i++) {
      const o = i * 8
      lo[i]! ^= block[o]! | (block[o + 1]! << 8) | (block[o + 2]! << 16) | (block[o + 3]! << 24)
      hi[i]! ^= block[o + 4]! | (block[o + 5]! << 8) | (block[o + 6]! << 16) | (block[o + 7]! << 24)
    }
    permute()
    block.fill(0)
    filled = 0
  }
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      block[filled++] = part[i]!
      if (filled === RATE) absorb()
    }
  }
  block[filled]! ^= 0x01
  block[RATE - 1]! ^= 0x80
  absorb()
  const out = new Uint8Array(32)
  for (let i = 0; i < 4; i++) {
    const l = lo[i]!
    const h = hi[i]!
    out[i * 8] = l & 0xff
    out[i * 8 + 1] = (l >>> 8) & 0xff
    out[i * 8 + 2] = (l >>> 16) & 0xff
    out[i * 8 + 3] = l >>> 24
    out[i * 8 + 4] = h & 0xff
    out[i * 8 + 5] = (h >>> 8) & 0xff
    out[i * 8 + 6] = (h >>> 16) & 0xff
    out[i * 8 + 7] = h >>> 24
  }
  return out
}
