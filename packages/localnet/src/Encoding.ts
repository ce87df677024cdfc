// Base58 and base64 for keys, signatures, instruction data and transaction bytes. Base58 goes
// through a BigInt nine digits at a time: instruction data of a few hundred bytes (account
// compression's change logs) made a digit- or limb-at-a-time conversion cost a millisecond per
// transaction served, and @solana/kit's codec, a BigInt step per digit, a fifth of the time.
const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
const DIGIT_OF = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DIGIT_OF[ALPHABET.charCodeAt(i)] = i
const NINE = 58n ** 9n
const POWERS = Array.from({ length: 10 }, (_, k) => 58n ** BigInt(k))
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"))

export const toBase58 = (bytes: Uint8Array): string => {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  if (zeros === bytes.length) return "1".repeat(zeros)
  let hex = ""
  for (let i = zeros; i < bytes.length; i++) hex += HEX[bytes[i]!]
  let value = BigInt(`0x${hex}`)
  const chunks: number[] = []
  while (value > 0n) {
    chunks.push(Number(value % NINE))
    value /= NINE
  }
  let text = ""
  for (let c = chunks.length - 1; c >= 0; c--) {
    let chunk = chunks[c]!
    let digits = ""
    for (let k = 0; k < 9; k++) {
      digits = ALPHABET[chunk % 58]! + digits
      chunk = Math.floor(chunk / 58)
    }
    text += digits
  }
  // The most significant chunk is padded with zero digits ("1"), which are not part of the number.
  let lead = 0
  while (lead < text.length && text.charCodeAt(lead) === 49) lead++
  return "1".repeat(zeros) + text.slice(lead)
}

export const fromBase58 = (text: string): Uint8Array => {
  let zeros = 0
  while (zeros < text.length && text.charCodeAt(zeros) === 49) zeros++
  let value = 0n
  for (let i = zeros; i < text.length; ) {
    let chunk = 0
    let k = 0
    for (; k < 9 && i < text.length; k++, i++) {
      const code = text.charCodeAt(i)
      const digit = code < 128 ? DIGIT_OF[code]! : -1
      if (digit < 0) throw new Error(`invalid base58 character ${JSON.stringify(text[i])}`)
      chunk = chunk * 58 + digit
    }
    value = value * POWERS[k]! + BigInt(chunk)
  }
  let hex = value === 0n ? "" : value.toString(16)
  if (hex.length % 2 === 1) hex = `0${hex}`
  const result = new Uint8Array(zeros + hex.length / 2)
  for (let i = 0; i < hex.length / 2; i++)
    result[zeros + i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
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
