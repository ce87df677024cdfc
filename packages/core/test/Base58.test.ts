import { describe, expect, it } from "@effect/vitest"
import * as Base58 from "../src/Base58.ts"

const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

/** The textbook conversion, one digit at a time: slow, and obviously right. */
const reference = (bytes: Uint8Array): string => {
  let value = 0n
  for (const byte of bytes) value = value * 256n + BigInt(byte)
  let out = ""
  while (value > 0n) {
    out = alphabet[Number(value % 58n)]! + out
    value /= 58n
  }
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  return "1".repeat(zeros) + out
}

/** Deterministic bytes, so a failure names the same input every run. */
const bytesOf = (length: number, seed: number, leadingZeros = 0): Uint8Array => {
  const out = new Uint8Array(length)
  let state = seed * 2654435761 + length
  for (let i = leadingZeros; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648
    out[i] = state % 256
  }
  return out
}

describe("Base58", () => {
  it("matches the textbook conversion at every length, both paths, leading zeros included", () => {
    for (let length = 0; length <= 300; length++) {
      for (const zeros of [0, 1, 3]) {
        if (zeros > length) continue
        for (const seed of [1, 2]) {
          const bytes = bytesOf(length, seed, zeros)
          const text = reference(bytes)
          expect(Base58.encode(bytes), `encode of ${length} bytes, seed ${seed}`).toBe(text)
          expect(Base58.decode(text), `decode of ${text}`).toEqual(bytes)
        }
      }
    }
  })

  it("keeps the extremes of each limb and step exact", () => {
    for (const length of [1, 3, 4, 5, 31, 32, 33, 64, 128, 129]) {
      for (const fill of [0x01, 0x7f, 0x80, 0xff]) {
        const bytes = new Uint8Array(length).fill(fill)
        expect(Base58.encode(bytes)).toBe(reference(bytes))
        expect(Base58.decode(reference(bytes))).toEqual(bytes)
      }
    }
  })

  it("knows Solana's well-known keys", () => {
    expect(Base58.encode(new Uint8Array(32))).toBe("11111111111111111111111111111111")
    expect(Base58.decode("11111111111111111111111111111111")).toEqual(new Uint8Array(32))
    // The Bubblegum program id decodes to 32 bytes and back to itself.
    const bubblegum = "BGUMAp9Gq7iTEuizy4pqaxsTyUCBK68MDfK752saRPUY"
    expect(Base58.decode(bubblegum)?.length).toBe(32)
    expect(Base58.encode(Base58.decode(bubblegum)!)).toBe(bubblegum)
    expect(Base58.isPublicKey(bubblegum)).toBe(true)
  })

  it("refuses text that is not base58", () => {
    for (const text of [
      "0OIl",
      "abc0",
      "é",
      "BGUMAp9Gq7iTEuizy4pqaxsTyUCBK68MDfK752saRPU0",
      `${"2".repeat(200)}0`
    ])
      expect(Base58.decode(text)).toBeUndefined()
    expect(Base58.isPublicKey("1111")).toBe(false)
    expect(Base58.isPublicKey("z".repeat(44))).toBe(false)
  })
})
