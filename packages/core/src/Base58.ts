/**
 * Bitcoin-alphabet base58, as Solana spells addresses and signatures. The number is held in a
 * BigInt and converted nine base-58 digits at a time: a pass decodes the instruction data of
 * every transaction it reads (change logs of ~600 bytes), where a digit-at-a-time conversion
 * cost milliseconds apiece.
 */
const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
const digitOf = new Int8Array(128).fill(-1)
for (let i = 0; i < alphabet.length; i++) digitOf[alphabet.charCodeAt(i)] = i
const NINE = 58n ** 9n
const powers = Array.from({ length: 10 }, (_, k) => 58n ** BigInt(k))
const nibbleOf = new Uint8Array(128)
for (let d = 0; d < 16; d++) nibbleOf[d.toString(16).charCodeAt(0)] = d
const hexByte = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"))

export const encode = (bytes: Uint8Array): string => {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  if (zeros === bytes.length) return "1".repeat(zeros)
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
  // The most significant chunk was padded with zero digits ("1"): they are not part of the number.
  let lead = 0
  while (lead < out.length && out.charCodeAt(lead) === 49) lead++
  return "1".repeat(zeros) + out.slice(lead)
}

/** The decoded bytes, or undefined when the text is not base58. */
export const decode = (text: string): Uint8Array | undefined => {
  let zeros = 0
  while (zeros < text.length && text.charCodeAt(zeros) === 49) zeros++
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

/** A Solana public key: base58 of exactly 32 bytes. */
export const isPublicKey = (text: string): boolean => {
  if (text.length < 32 || text.length > 44) return false
  return decode(text)?.length === 32
}
