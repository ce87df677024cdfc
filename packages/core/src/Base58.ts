/**
 * Bitcoin-alphabet base58, as Solana spells addresses and signatures. The schoolbook
 * conversion on byte arrays (no BigInt): the replica encodes a hash per change it applies, and
 * BigInt division made that a visible share of a pass.
 */
const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
const digitOf = new Int8Array(128).fill(-1)
for (let i = 0; i < alphabet.length; i++) digitOf[alphabet.charCodeAt(i)] = i

export const encode = (bytes: Uint8Array): string => {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  // Base-58 digits, least significant first; each byte multiplies them by 256 and adds itself.
  const digits: Array<number> = []
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]!
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j]! << 8
      digits[j] = carry % 58
      carry = (carry / 58) | 0
    }
    while (carry > 0) {
      digits.push(carry % 58)
      carry = (carry / 58) | 0
    }
  }
  let out = "1".repeat(zeros)
  for (let i = digits.length - 1; i >= 0; i--) out += alphabet[digits[i]!]
  return out
}

/** The decoded bytes, or undefined when the text is not base58. */
export const decode = (text: string): Uint8Array | undefined => {
  let zeros = 0
  while (zeros < text.length && text[zeros] === "1") zeros++
  // Bytes, least significant first; each digit multiplies them by 58 and adds itself.
  const bytes: Array<number> = []
  for (let i = zeros; i < text.length; i++) {
    const code = text.charCodeAt(i)
    const digit = code < 128 ? digitOf[code]! : -1
    if (digit < 0) return undefined
    let carry = digit
    for (let j = 0; j < bytes.length; j++) {
      carry += bytes[j]! * 58
      bytes[j] = carry & 0xff
      carry >>= 8
    }
    while (carry > 0) {
      bytes.push(carry & 0xff)
      carry >>= 8
    }
  }
  const out = new Uint8Array(zeros + bytes.length)
  for (let i = 0; i < bytes.length; i++) out[zeros + i] = bytes[bytes.length - 1 - i]!
  return out
}

/** A Solana public key: base58 of exactly 32 bytes. */
export const isPublicKey = (text: string): boolean => {
  if (text.length < 32 || text.length > 44) return false
  return decode(text)?.length === 32
}
