/**
 * Keypairs in the solana-keygen form (a JSON array of the 32-byte seed and the 32-byte public
 * key): what SOLANA_KEYPAIR names or holds. Never printed, never logged.
 */
import { generateKeyPairSync } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { Base58 } from "@tickettoken/minting-core"
import { loadKeypair } from "@tickettoken/minting-solana"
import { Effect, Redacted } from "effect"

/** A new ed25519 keypair as solana-keygen writes it. */
export const newKeypairJson = (): string => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519")
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url")
  const pub = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url")
  return JSON.stringify([...seed, ...pub])
}

/** A keypair nobody holds, for an adapter that will never sign (the reconciler only reads). */
export const throwawayKeypair = (): Redacted.Redacted<string> => Redacted.make(newKeypairJson())

/** A keypair file (0600): read, or generated when missing; its address. Never printed. */
export const keypairFile = (path: string): { readonly path: string; readonly address: string } => {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  if (!existsSync(path)) writeFileSync(path, newKeypairJson(), { mode: 0o600 })
  else chmodSync(path, 0o600)
  const bytes = JSON.parse(readFileSync(path, "utf8")) as Array<number>
  return { path, address: Base58.encode(Uint8Array.from(bytes.slice(32))) }
}

/** Why SOLANA_KEYPAIR does not load (no secret in the text), or undefined when it does. */
export const problemOf = async (keypair: Redacted.Redacted<string>): Promise<string | undefined> => {
  const loaded = await Effect.runPromise(Effect.result(loadKeypair(keypair)))
  return loaded._tag === "Success" ? undefined : loaded.failure.message
}
