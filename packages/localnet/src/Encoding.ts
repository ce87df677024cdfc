// Base58 and base64 for keys, signatures and transaction bytes. Base58 is done here with the
// byte-array method: @solana/kit's codec goes through BigInt and was a fifth of the time spent
// per transaction (five or more keys and hashes each).
const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
const DIGIT_OF = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DIGIT_OF[ALPHABET.charCodeAt(i)] = i

export const toBase58 = (bytes: Uint8Array): string => {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  // log(256) / log(58) < 1.366: enough base-58 digits for the rest.
  const digits = new Uint8Array(Math.ceil((bytes.length - zeros) * 1.366) + 1)
  let length = 0
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]!
    let j = 0
    for (; j < length || carry !== 0; j++) {
      carry += (digits[j] ?? 0) * 256
      digits[j] = carry % 58
      carry = Math.floor(carry / 58)
    }
    length = j
  }
  let text = "1".repeat(zeros)
  for (let i = length - 1; i >= 0; i--) text += ALPHABET[digits[i]!]
  return text
}

export const fromBase58 = (text: string): Uint8Array => {
  let zeros = 0
  while (zeros < text.length && text[zeros] === "1") zeros++
  const bytes = new Uint8Array(Math.ceil((text.length - zeros) * 0.733) + 1)
  let length = 0
  for (let i = zeros; i < text.length; i++) {
    const code = text.charCodeAt(i)
    const digit = code < 128 ? DIGIT_OF[code]! : -1
    if (digit < 0) throw new Error(`invalid base58 character ${JSON.stringify(text[i])}`)
    let carry = digit
    let j = 0
    for (; j < length || carry !== 0; j++) {
      carry += (bytes[j] ?? 0) * 58
      bytes[j] = carry & 0xff
      carry >>= 8
    }
    length = j
  }
  const result = new Uint8Array(zeros + length)
  for (let i = 0; i < length; i++) result[zeros + i] = bytes[length - 1 - i]!
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
