// Base58 and base64 for keys, signatures, instruction data and transaction bytes. Base58 is done
// here rather than with @solana/kit's codec, which goes through BigInt and was a fifth of the time
// spent per transaction. It is quadratic in length, so it works on wide limbs: 58^5 per limb
// (two input bytes a step) to encode, 2^24 per limb (four digits a step) to decode; every
// intermediate stays below 2^53.
const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
const DIGIT_OF = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DIGIT_OF[ALPHABET.charCodeAt(i)] = i
const LIMB58 = 58 ** 5
const LIMB256 = 2 ** 24

export const toBase58 = (bytes: Uint8Array): string => {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  // Little-endian limbs of base 58^5 holding the number written by bytes[zeros..].
  const limbs: number[] = []
  let i = zeros
  // An odd count takes one byte first so that the rest goes two at a time.
  if ((bytes.length - zeros) % 2 === 1) limbs.push(bytes[i++]!)
  for (; i < bytes.length; i += 2) {
    let carry = bytes[i]! * 256 + bytes[i + 1]!
    for (let j = 0; j < limbs.length; j++) {
      carry += limbs[j]! * 65536
      limbs[j] = carry % LIMB58
      carry = Math.floor(carry / LIMB58)
    }
    while (carry > 0) {
      limbs.push(carry % LIMB58)
      carry = Math.floor(carry / LIMB58)
    }
  }
  const digits: number[] = []
  for (const limb of limbs) {
    let value = limb
    for (let k = 0; k < 5; k++) {
      digits.push(value % 58)
      value = Math.floor(value / 58)
    }
  }
  while (digits.length > 0 && digits[digits.length - 1] === 0) digits.pop()
  let text = "1".repeat(zeros)
  for (let k = digits.length - 1; k >= 0; k--) text += ALPHABET[digits[k]!]
  return text
}

export const fromBase58 = (text: string): Uint8Array => {
  let zeros = 0
  while (zeros < text.length && text[zeros] === "1") zeros++
  const digitAt = (index: number): number => {
    const code = text.charCodeAt(index)
    const digit = code < 128 ? DIGIT_OF[code]! : -1
    if (digit < 0) throw new Error(`invalid base58 character ${JSON.stringify(text[index])}`)
    return digit
  }
  // Little-endian limbs of base 2^24.
  const limbs: number[] = []
  let i = zeros
  const head = (text.length - zeros) % 4
  const step = (value: number, multiplier: number) => {
    let carry = value
    for (let j = 0; j < limbs.length; j++) {
      carry += limbs[j]! * multiplier
      limbs[j] = carry % LIMB256
      carry = Math.floor(carry / LIMB256)
    }
    while (carry > 0) {
      limbs.push(carry % LIMB256)
      carry = Math.floor(carry / LIMB256)
    }
  }
  for (let end = i + head; i < end; i++) step(digitAt(i), 58)
  for (; i < text.length; i += 4) {
    step(((digitAt(i) * 58 + digitAt(i + 1)) * 58 + digitAt(i + 2)) * 58 + digitAt(i + 3), 58 ** 4)
  }
  const bytes: number[] = []
  for (const limb of limbs) bytes.push(limb & 0xff, (limb >>> 8) & 0xff, (limb >>> 16) & 0xff)
  while (bytes.length > 0 && bytes[bytes.length - 1] === 0) bytes.pop()
  const result = new Uint8Array(zeros + bytes.length)
  for (let k = 0; k < bytes.length; k++) result[zeros + k] = bytes[bytes.length - 1 - k]!
  return result
}

export const toBase64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")

// Buffer.from(text, "base64") silently skips characters outside the alphabet; a validator would
// refuse such input, so the alphabet is checked first.
const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/
export const fromBase64 = (text: string): Uint8Array => {
  if (!base64Pattern.test(text)) throw new Error("invalid base64")
  return new Uint8Array(Buffer.from(text, "base64"))
}

const base58Pattern = /^[1-9A-HJ-NP-Za-km-z]+$/
export const isBase58 = (text: string): boolean => base58Pattern.test(text)

/** A base58 string that decodes to exactly 32 bytes: an account address or a blockhash. */
export const isAddress = (text: unknown): text is string =>
  typeof text === "string" &&
  text.length >= 32 &&
  text.length <= 44 &&
  isBase58(text) &&
  fromBase58(text).length === 32
