/**
 * Keccak-256 (the original Keccak padding, as Solana's `keccak::hashv` and so SPL account
 * compression and Bubblegum use it; not NIST SHA3-256, which Node's crypto has). Core may import
 * only effect, and the tree replica needs the chain's own hash to prove its roots, so it lives
 * here: 64-bit lanes as pairs of 32-bit halves, the permutation unrolled into locals (a replica
 * hashes tens of thousands of nodes in a pass; the looped form was several times slower).
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

const RATE = 136

// The state is reused across calls: JavaScript runs one call at a time, and allocating it each
// time cost more than the permutation of a 64-byte input.
const state = new Uint32Array(50)
const block = new Uint8Array(RATE)

/** Keccak-f[1600] over `state` (lane i's halves at 2i and 2i + 1), unrolled: generated, not written. */
const permute = (state: Uint32Array) => {
  let a0l = state[0]!
  let a0h = state[1]!
  let a1l = state[2]!
  let a1h = state[3]!
  let a2l = state[4]!
  let a2h = state[5]!
  let a3l = state[6]!
  let a3h = state[7]!
  let a4l = state[8]!
  let a4h = state[9]!
  let a5l = state[10]!
  let a5h = state[11]!
  let a6l = state[12]!
  let a6h = state[13]!
  let a7l = state[14]!
  let a7h = state[15]!
  let a8l = state[16]!
  let a8h = state[17]!
  let a9l = state[18]!
  let a9h = state[19]!
  let a10l = state[20]!
  let a10h = state[21]!
  let a11l = state[22]!
  let a11h = state[23]!
  let a12l = state[24]!
  let a12h = state[25]!
  let a13l = state[26]!
  let a13h = state[27]!
  let a14l = state[28]!
  let a14h = state[29]!
  let a15l = state[30]!
  let a15h = state[31]!
  let a16l = state[32]!
  let a16h = state[33]!
  let a17l = state[34]!
  let a17h = state[35]!
  let a18l = state[36]!
  let a18h = state[37]!
  let a19l = state[38]!
  let a19h = state[39]!
  let a20l = state[40]!
  let a20h = state[41]!
  let a21l = state[42]!
  let a21h = state[43]!
  let a22l = state[44]!
  let a22h = state[45]!
  let a23l = state[46]!
  let a23h = state[47]!
  let a24l = state[48]!
  let a24h = state[49]!
  for (let round = 0; round < 48; round += 2) {
    const c0l = a0l ^ a5l ^ a10l ^ a15l ^ a20l
    const c0h = a0h ^ a5h ^ a10h ^ a15h ^ a20h
    const c1l = a1l ^ a6l ^ a11l ^ a16l ^ a21l
    const c1h = a1h ^ a6h ^ a11h ^ a16h ^ a21h
    const c2l = a2l ^ a7l ^ a12l ^ a17l ^ a22l
    const c2h = a2h ^ a7h ^ a12h ^ a17h ^ a22h
    const c3l = a3l ^ a8l ^ a13l ^ a18l ^ a23l
    const c3h = a3h ^ a8h ^ a13h ^ a18h ^ a23h
    const c4l = a4l ^ a9l ^ a14l ^ a19l ^ a24l
    const c4h = a4h ^ a9h ^ a14h ^ a19h ^ a24h
    const d0l = c4l ^ ((c1l << 1) | (c1h >>> 31))
    const d0h = c4h ^ ((c1h << 1) | (c1l >>> 31))
    const d1l = c0l ^ ((c2l << 1) | (c2h >>> 31))
    const d1h = c0h ^ ((c2h << 1) | (c2l >>> 31))
    const d2l = c1l ^ ((c3l << 1) | (c3h >>> 31))
    const d2h = c1h ^ ((c3h << 1) | (c3l >>> 31))
    const d3l = c2l ^ ((c4l << 1) | (c4h >>> 31))
    const d3h = c2h ^ ((c4h << 1) | (c4l >>> 31))
    const d4l = c3l ^ ((c0l << 1) | (c0h >>> 31))
    const d4h = c3h ^ ((c0h << 1) | (c0l >>> 31))
    const t0l = a0l ^ d0l
    const t0h = a0h ^ d0h
    const b0l = t0l
    const b0h = t0h
    const t1l = a1l ^ d1l
    const t1h = a1h ^ d1h
    const b10l = (t1l << 1) | (t1h >>> 31)
    const b10h = (t1h << 1) | (t1l >>> 31)
    const t2l = a2l ^ d2l
    const t2h = a2h ^ d2h
    const b20l = (t2h << 30) | (t2l >>> 2)
    const b20h = (t2l << 30) | (t2h >>> 2)
    const t3l = a3l ^ d3l
    const t3h = a3h ^ d3h
    const b5l = (t3l << 28) | (t3h >>> 4)
    const b5h = (t3h << 28) | (t3l >>> 4)
    const t4l = a4l ^ d4l
    const t4h = a4h ^ d4h
    const b15l = (t4l << 27) | (t4h >>> 5)
    const b15h = (t4h << 27) | (t4l >>> 5)
    const t5l = a5l ^ d0l
    const t5h = a5h ^ d0h
    const b16l = (t5h << 4) | (t5l >>> 28)
    const b16h = (t5l << 4) | (t5h >>> 28)
    const t6l = a6l ^ d1l
    const t6h = a6h ^ d1h
    const b1l = (t6h << 12) | (t6l >>> 20)
    const b1h = (t6l << 12) | (t6h >>> 20)
    const t7l = a7l ^ d2l
    const t7h = a7h ^ d2h
    const b11l = (t7l << 6) | (t7h >>> 26)
    const b11h = (t7h << 6) | (t7l >>> 26)
    const t8l = a8l ^ d3l
    const t8h = a8h ^ d3h
    const b21l = (t8h << 23) | (t8l >>> 9)
    const b21h = (t8l << 23) | (t8h >>> 9)
    const t9l = a9l ^ d4l
    const t9h = a9h ^ d4h
    const b6l = (t9l << 20) | (t9h >>> 12)
    const b6h = (t9h << 20) | (t9l >>> 12)
    const t10l = a10l ^ d0l
    const t10h = a10h ^ d0h
    const b7l = (t10l << 3) | (t10h >>> 29)
    const b7h = (t10h << 3) | (t10l >>> 29)
    const t11l = a11l ^ d1l
    const t11h = a11h ^ d1h
    const b17l = (t11l << 10) | (t11h >>> 22)
    const b17h = (t11h << 10) | (t11l >>> 22)
    const t12l = a12l ^ d2l
    const t12h = a12h ^ d2h
    const b2l = (t12h << 11) | (t12l >>> 21)
    const b2h = (t12l << 11) | (t12h >>> 21)
    const t13l = a13l ^ d3l
    const t13h = a13h ^ d3h
    const b12l = (t13l << 25) | (t13h >>> 7)
    const b12h = (t13h << 25) | (t13l >>> 7)
    const t14l = a14l ^ d4l
    const t14h = a14h ^ d4h
    const b22l = (t14h << 7) | (t14l >>> 25)
    const b22h = (t14l << 7) | (t14h >>> 25)
    const t15l = a15l ^ d0l
    const t15h = a15h ^ d0h
    const b23l = (t15h << 9) | (t15l >>> 23)
    const b23h = (t15l << 9) | (t15h >>> 23)
    const t16l = a16l ^ d1l
    const t16h = a16h ^ d1h
    const b8l = (t16h << 13) | (t16l >>> 19)
    const b8h = (t16l << 13) | (t16h >>> 19)
    const t17l = a17l ^ d2l
    const t17h = a17h ^ d2h
    const b18l = (t17l << 15) | (t17h >>> 17)
    const b18h = (t17h << 15) | (t17l >>> 17)
    const t18l = a18l ^ d3l
    const t18h = a18h ^ d3h
    const b3l = (t18l << 21) | (t18h >>> 11)
    const b3h = (t18h << 21) | (t18l >>> 11)
    const t19l = a19l ^ d4l
    const t19h = a19h ^ d4h
    const b13l = (t19l << 8) | (t19h >>> 24)
    const b13h = (t19h << 8) | (t19l >>> 24)
    const t20l = a20l ^ d0l
    const t20h = a20h ^ d0h
    const b14l = (t20l << 18) | (t20h >>> 14)
    const b14h = (t20h << 18) | (t20l >>> 14)
    const t21l = a21l ^ d1l
    const t21h = a21h ^ d1h
    const b24l = (t21l << 2) | (t21h >>> 30)
    const b24h = (t21h << 2) | (t21l >>> 30)
    const t22l = a22l ^ d2l
    const t22h = a22h ^ d2h
    const b9l = (t22h << 29) | (t22l >>> 3)
    const b9h = (t22l << 29) | (t22h >>> 3)
    const t23l = a23l ^ d3l
    const t23h = a23h ^ d3h
    const b19l = (t23h << 24) | (t23l >>> 8)
    const b19h = (t23l << 24) | (t23h >>> 8)
    const t24l = a24l ^ d4l
    const t24h = a24h ^ d4h
    const b4l = (t24l << 14) | (t24h >>> 18)
    const b4h = (t24h << 14) | (t24l >>> 18)
    a0l = b0l ^ (~b1l & b2l)
    a0h = b0h ^ (~b1h & b2h)
    a1l = b1l ^ (~b2l & b3l)
    a1h = b1h ^ (~b2h & b3h)
    a2l = b2l ^ (~b3l & b4l)
    a2h = b2h ^ (~b3h & b4h)
    a3l = b3l ^ (~b4l & b0l)
    a3h = b3h ^ (~b4h & b0h)
    a4l = b4l ^ (~b0l & b1l)
    a4h = b4h ^ (~b0h & b1h)
    a5l = b5l ^ (~b6l & b7l)
    a5h = b5h ^ (~b6h & b7h)
    a6l = b6l ^ (~b7l & b8l)
    a6h = b6h ^ (~b7h & b8h)
    a7l = b7l ^ (~b8l & b9l)
    a7h = b7h ^ (~b8h & b9h)
    a8l = b8l ^ (~b9l & b5l)
    a8h = b8h ^ (~b9h & b5h)
    a9l = b9l ^ (~b5l & b6l)
    a9h = b9h ^ (~b5h & b6h)
    a10l = b10l ^ (~b11l & b12l)
    a10h = b10h ^ (~b11h & b12h)
    a11l = b11l ^ (~b12l & b13l)
    a11h = b11h ^ (~b12h & b13h)
    a12l = b12l ^ (~b13l & b14l)
    a12h = b12h ^ (~b13h & b14h)
    a13l = b13l ^ (~b14l & b10l)
    a13h = b13h ^ (~b14h & b10h)
    a14l = b14l ^ (~b10l & b11l)
    a14h = b14h ^ (~b10h & b11h)
    a15l = b15l ^ (~b16l & b17l)
    a15h = b15h ^ (~b16h & b17h)
    a16l = b16l ^ (~b17l & b18l)
    a16h = b16h ^ (~b17h & b18h)
    a17l = b17l ^ (~b18l & b19l)
    a17h = b17h ^ (~b18h & b19h)
    a18l = b18l ^ (~b19l & b15l)
    a18h = b18h ^ (~b19h & b15h)
    a19l = b19l ^ (~b15l & b16l)
    a19h = b19h ^ (~b15h & b16h)
    a20l = b20l ^ (~b21l & b22l)
    a20h = b20h ^ (~b21h & b22h)
    a21l = b21l ^ (~b22l & b23l)
    a21h = b21h ^ (~b22h & b23h)
    a22l = b22l ^ (~b23l & b24l)
    a22h = b22h ^ (~b23h & b24h)
    a23l = b23l ^ (~b24l & b20l)
    a23h = b23h ^ (~b24h & b20h)
    a24l = b24l ^ (~b20l & b21l)
    a24h = b24h ^ (~b20h & b21h)
    a0l ^= roundConstants[round]!
    a0h ^= roundConstants[round + 1]!
  }
  state[0] = a0l
  state[1] = a0h
  state[2] = a1l
  state[3] = a1h
  state[4] = a2l
  state[5] = a2h
  state[6] = a3l
  state[7] = a3h
  state[8] = a4l
  state[9] = a4h
  state[10] = a5l
  state[11] = a5h
  state[12] = a6l
  state[13] = a6h
  state[14] = a7l
  state[15] = a7h
  state[16] = a8l
  state[17] = a8h
  state[18] = a9l
  state[19] = a9h
  state[20] = a10l
  state[21] = a10h
  state[22] = a11l
  state[23] = a11h
  state[24] = a12l
  state[25] = a12h
  state[26] = a13l
  state[27] = a13h
  state[28] = a14l
  state[29] = a14h
  state[30] = a15l
  state[31] = a15h
  state[32] = a16l
  state[33] = a16h
  state[34] = a17l
  state[35] = a17h
  state[36] = a18l
  state[37] = a18h
  state[38] = a19l
  state[39] = a19h
  state[40] = a20l
  state[41] = a20h
  state[42] = a21l
  state[43] = a21h
  state[44] = a22l
  state[45] = a22h
  state[46] = a23l
  state[47] = a23h
  state[48] = a24l
  state[49] = a24h
}

/** Keccak-256 of the parts, concatenated (as `hashv` takes them). */
export const keccak256 = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  state.fill(0)
  block.fill(0)
  let filled = 0
  const absorb = () => {
    for (let i = 0; i < RATE / 8; i++) {
      const o = i * 8
      state[2 * i]! ^= block[o]! | (block[o + 1]! << 8) | (block[o + 2]! << 16) | (block[o + 3]! << 24)
      state[2 * i + 1]! ^=
        block[o + 4]! | (block[o + 5]! << 8) | (block[o + 6]! << 16) | (block[o + 7]! << 24)
    }
    permute(state)
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
  for (let i = 0; i < 8; i++) {
    const word = state[i]!
    out[i * 4] = word & 0xff
    out[i * 4 + 1] = (word >>> 8) & 0xff
    out[i * 4 + 2] = (word >>> 16) & 0xff
    out[i * 4 + 3] = word >>> 24
  }
  return out
}
