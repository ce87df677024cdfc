import { getBase58Decoder, getBase58Encoder } from "@solana/kit"

const base58Decoder = getBase58Decoder()
const base58Encoder = getBase58Encoder()

export const toBase58 = (bytes: Uint8Array): string => base58Decoder.decode(bytes)

export const fromBase58 = (text: string): Uint8Array => Uint8Array.from(base58Encoder.encode(text))

export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64")

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
