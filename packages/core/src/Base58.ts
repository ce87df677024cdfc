/** Bitcoin-alphabet base58, as Solana spells addresses and signatures. Small inputs only. */
const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
const indexOf = new Map([...alphabet].map((char, index) => [char, index]))

export const encode = (bytes: Uint8Array): string => {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  let value = 0n
  for (const byte of bytes) value = (value << 8n) | BigInt(byte)
  let out = ""
  while (value > 0n) {
    out = alphabet[Number(value % 58n)] + out
    value /= 58n
  }
  return "1".repeat(zeros) + out
}

/** The decoded bytes, or undefined when the text is not base58. */
export const decode = (text: string): Uint8Array | undefined => {
  let zeros = 0
  while (zeros < text.length && text[zeros] === "1") zeros++
  let value = 0n
  for (const char of text) {
    const digit = indexOf.get(char)
    if (digit === undefined) return undefined
    value = value * 58n + BigInt(digit)
  }
  const bytes: Array<number> = []
  while (value > 0n) {
    bytes.unshift(Number(value & 0xffn))
    value >>= 8n
  }
  return Uint8Array.from([...new Array(zeros).fill(0), ...bytes])
}

/** A Solana public key: base58 of exactly 32 bytes. */
export const isPublicKey = (text: string): boolean => {
  if (text.length < 32 || text.length > 44) return false
  return decode(text)?.length === 32
}
