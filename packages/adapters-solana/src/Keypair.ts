/**
 * The fee payer's keypair, from SOLANA_KEYPAIR in any of the three forms operators have: a path
 * to a Solana CLI keypair file, the file's JSON byte array inline, or a base58 secret key as
 * wallets export it. The secret only ever travels inside a Redacted and the returned signer;
 * every error message is written here and names at most the file path, never a byte of the key.
 *
 * @solana-developers/helpers' getKeypairFromFile does the file case, but its types do not resolve
 * under NodeNext (extensionless re-exports), importing it loads Anchor and SPL Token (~300 ms and a
 * "bigint: Failed to load bindings" line on stderr), and its errors may carry the file's text:
 * reading a CLI keypair file is a few lines, done here.
 */

import { readFile as readText } from "node:fs/promises"
import { homedir } from "node:os"
import { join } from "node:path"
import type { Keypair as UmiKeypair } from "@metaplex-foundation/umi"
import { base58 } from "@metaplex-foundation/umi/serializers"
import { Keypair } from "@solana/web3.js"
import { Effect, Redacted, Schema } from "effect"

export class KeypairError extends Schema.TaggedError<KeypairError>()("KeypairError", {
  message: Schema.String
}) {}

export type KeypairSource = "file" | "json" | "base58"

/** How the value is written; decided from its shape alone, so the error can say what was expected. */
export const keypairSource = (value: string): KeypairSource => {
  const text = value.trim()
  if (text.startsWith("[")) return "json"
  if (/[/\\~]/.test(text) || text.endsWith(".json")) return "file"
  return "base58"
}

const fromSecretKey = (bytes: Uint8Array, what: string): UmiKeypair => {
  if (bytes.length !== 64) {
    throw new KeypairError({ message: `${what} holds ${bytes.length} bytes; a keypair is 64` })
  }
  try {
    const keypair = Keypair.fromSecretKey(bytes)
    return {
      publicKey: keypair.publicKey.toBase58() as UmiKeypair["publicKey"],
      secretKey: keypair.secretKey
    }
  } catch {
    throw new KeypairError({
      message: `${what} is not a valid ed25519 keypair (its public half does not match)`
    })
  }
}

const parseJson = (text: string): UmiKeypair => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new KeypairError({ message: "SOLANA_KEYPAIR looks like a JSON byte array but is not valid JSON" })
  }
  if (!Array.isArray(parsed) || !parsed.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) {
    throw new KeypairError({ message: "SOLANA_KEYPAIR must be a JSON array of 64 numbers from 0 to 255" })
  }
  return fromSecretKey(Uint8Array.from(parsed as Array<number>), "SOLANA_KEYPAIR")
}

const parseBase58 = (text: string): UmiKeypair => {
  let bytes: Uint8Array
  try {
    bytes = base58.serialize(text)
  } catch {
    throw new KeypairError({
      message: "SOLANA_KEYPAIR is neither a file path, a JSON byte array nor a base58 secret key"
    })
  }
  return fromSecretKey(bytes, "SOLANA_KEYPAIR")
}

const readFile = async (path: string): Promise<UmiKeypair> => {
  const resolved = path.startsWith("~") ? join(homedir(), path.slice(1)) : path
  let text: string
  try {
    text = await readText(resolved, "utf8")
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable"
    throw new KeypairError({ message: `could not read the keypair file ${resolved} (${code})` })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new KeypairError({ message: `the keypair file ${resolved} is not a JSON byte array` })
  }
  if (!Array.isArray(parsed) || !parsed.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) {
    throw new KeypairError({ message: `the keypair file ${resolved} is not a JSON array of bytes` })
  }
  return fromSecretKey(Uint8Array.from(parsed as Array<number>), `the keypair file ${resolved}`)
}

/** The keypair SOLANA_KEYPAIR names or holds. */
export const loadKeypair = (secret: Redacted.Redacted<string>): Effect.Effect<UmiKeypair, KeypairError> =>
  Effect.tryPromise({
    try: async () => {
      const text = Redacted.value(secret).trim()
      switch (keypairSource(text)) {
        case "json":
          return parseJson(text)
        case "file":
          return readFile(text)
        case "base58":
          return parseBase58(text)
      }
    },
    catch: (error) =>
      error instanceof KeypairError ? error : new KeypairError({ message: "could not load SOLANA_KEYPAIR" })
  })
