/**
 * Bitcoin-alphabet base58, as Solana spells addresses and signatures. A pass converts a dozen
 * values per transaction it reads (keys and hashes of 32 bytes, signatures of 64, change logs
 * of ~600 bytes), so both directions have two paths:
 *
 * - short values (keys, hashes, signatures): the number in 32-bit limbs, three base-58 digits
 *   per step (58^3 < 2^21, so every limb product stays an exact double);
 * - long values: the number in a BigInt, nine digits per step, where V8's native arithmetic
 *   beats limbs in JavaScript (a digit-at-a-time conversion cost milliseconds apiece).
 */
const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
const digitOf = new Int8Array(128).fill(-1)
for (let i = 0; i < alphabet.length; i++) digitOf[alphabet.charCodeAt(i)] = i
const NINE = 58n ** 9n
const powers = Array.from({ length: 10 }, (_, k) => 58n ** BigInt(k))
const nibbleOf = new Uint8Array(128)
for (let d = 0; d < 16; d++) nibbleOf[d.toString(16).charCodeAt(0)] = d
const hexByte = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"))

const LIMB = 4294967296
const THREE = 58 ** 3
/** Longest input (bytes to encode, characters to decode) taken by the limb path. */
const SHORT_BYTES = 128
const SHORT_TEXT = 176

const encodeShort = (bytes: Uint8Array, zeros: number): string => {
  // Big-endian bytes into little-endian 32-bit limbs.
  const count = Math.ceil((bytes.length - zeros) / 4)
  const limbs = new Array<number>(count)
  for (let l = 0, end = bytes.length; l < count; l++, end -= 4) {
    let limb = 0
    for (let i = Math.max(zeros, end - 4); i < end; i++) limb = limb * 256 + bytes[i]!
    limbs[l] = limb
  }
  // Digits, least significant first, three per division by 58^3.
  const digits: Array<number> = []
  let top = count - 1
  while (top >= 0) {
    let rest = 0
    for (let l = top; l >= 0; l--) {
      const current = rest * LIMB + limbs[l]!
      const quotient = Math.floor(current / THREE)
      rest = current - quotient * THREE
      limbs[l] = quotient
    }
    while (top >= 0 && limbs[top] === 0) top--
    digits.push(rest % 58, Math.floor(rest / 58) % 58, Math.floor(rest / 3364))
  }
  // The most significant step was padded with zero digits ("1"): they are not part of the number.
  let last = digits.length - 1
  while (last >= 0 && digits[last] === 0) last--
  let out = "1".repeat(zeros)
  for (let d = last; d >= 0; d--) out += alphabet[digits[d]!]!
  return out
}

const encodeLong = (bytes: Uint8Array, zeros: number): string => {
  let hex = ""
  for (let i = zeros; i < bytes.length; i++) hex += hexByte[bytes[i]!]
  let value = BigInt(`0x${hex}`)
  const chunks: Array<number> = []
  while (value > 0n) {
    chunks.push(Number(value % NINE))
    value /= NINE
  }
  let out = ""
  for (let c = chunks.length - 1; c >= 0; c--) {
    let chunk = chunks[c]!
    let digits = ""
    for (let k = 0; k < 9; k++) {
      digits = alphabet[chunk % 58]! + digits
      chunk = Math.floor(chunk / 58)
    }
    out += digits
  }
  let lead = 0
  while (lead < out.length && out.charCodeAt(lead) === 49) lead++
  return "1".repeat(zeros) + out.slice(lead)
}

export const encode = (bytes: Uint8Array): string => {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  if (zeros === bytes.length) return "1".repeat(zeros)
  return bytes.length - zeros <= SHORT_BYTES ? encodeShort(bytes, zeros) : encodeLong(bytes, zeros)
}

const decodeShort = (text: string, zeros: number): Uint8Array | undefined => {
  const limbs: Array<number> = []
  for (let i = zeros; i < text.length; ) {
    let chunk = 0
    let scale = 1
    for (let k = 0; k < 3 && i < text.length; k++, i++) {
      const code = text.charCodeAt(i)
      const digit = code < 128 ? digitOf[code]! : -1
      if (digit < 0) return undefined
      chunk = chunk * 58 + digit
      scale *= 58
    }
    let carry = chunk
    for (let l = 0; l < limbs.length; l++) {
      const current = limbs[l]! * scale + carry
      carry = Math.floor(current / LIMB)
      limbs[l] = current - carry * LIMB
    }
    if (carry > 0) limbs.push(carry)
  }
  let length = limbs.length * 4
  const top = limbs.at(-1) ?? 0
  // Leading zero bytes of the top limb are not part of the number.
  if (top < 2 ** 24) length--
  if (top < 2 ** 16) length--
  if (top < 2 ** 8) length--
  const out = new Uint8Array(zeros + Math.max(0, length))
  for (let l = 0, end = out.length; l < limbs.length; l++, end -= 4) {
    let limb = limbs[l]!
    for (let i = end - 1; i >= end - 4 && i >= zeros; i--) {
      out[i] = limb & 255
      limb = Math.floor(limb / 256)
    }
  }
  return out
}

const decodeLong = (text: string, zeros: number): Uint8Array | undefined => {
  let value = 0n
  for (let i = zeros; i < text.length; ) {
    let chunk = 0
    let k = 0
    for (; k < 9 && i < text.length; k++, i++) {
      const code = text.charCodeAt(i)
      const digit = code < 128 ? digitOf[code]! : -1
      if (digit < 0) return undefined
      chunk = chunk * 58 + digit
    }
    value = value * powers[k]! + BigInt(chunk)
  }
  let hex = value === 0n ? "" : value.toString(16)
  if (hex.length % 2 === 1) hex = `0${hex}`
  const out = new Uint8Array(zeros + hex.length / 2)
  for (let i = 0, j = 0; j < hex.length; i++, j += 2) {
    out[zeros + i] = (nibbleOf[hex.charCodeAt(j)]! << 4) | nibbleOf[hex.charCodeAt(j + 1)]!
  }
  return out
}

/** The decoded bytes, or undefined when the text is not base58. */
export const decode = (text: string): Uint8Array | undefined => {
  let zeros = 0
  while (zeros < text.length && text.charCodeAt(zeros) === 49) zeros++
  return text.length - zeros <= SHORT_TEXT ? decodeShort(text, zeros) : decodeLong(text, zeros)
}

/** A Solana public key: base58 of exactly 32 bytes. */
export const isPublicKey = (text: string): boolean => {
  if (text.length < 32 || text.length > 44) return false
  return decode(text)?.length === 32
}
