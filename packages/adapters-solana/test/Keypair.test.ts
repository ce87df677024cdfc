/** SOLANA_KEYPAIR in its three forms, and errors that never quote the key. */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { base58 } from "@metaplex-foundation/umi/serializers"
import { Keypair } from "@solana/web3.js"
import { Effect, Redacted } from "effect"
import { KeypairError, keypairSource, loadKeypair } from "../src/Keypair.ts"

const keypair = Keypair.generate()
const address = keypair.publicKey.toBase58()
const json = JSON.stringify(Array.from(keypair.secretKey))
const dir = mkdtempSync(join(tmpdir(), "keypair-"))

const load = (value: string) => loadKeypair(Redacted.make(value))
const failure = (value: string) =>
  Effect.gen(function* () {
    const error = yield* Effect.flip(load(value))
    expect(error).toBeInstanceOf(KeypairError)
    expect(error.message).not.toContain(json)
    expect(error.message).not.toContain(base58.deserialize(keypair.secretKey)[0])
    return error.message
  })

describe("loadKeypair", () => {
  it.effect("reads a CLI keypair file, an inline JSON byte array and a base58 secret key", () =>
    Effect.gen(function* () {
      const file = join(dir, "id.json")
      writeFileSync(file, json)
      expect((yield* load(file)).publicKey).toBe(address)
      expect((yield* load(`  ${json}\n`)).publicKey).toBe(address)
      expect((yield* load(base58.deserialize(keypair.secretKey)[0])).publicKey).toBe(address)
      expect(keypairSource("~/.config/solana/id.json")).toBe("file")
      expect(keypairSource("keypair.json")).toBe("file")
    })
  )

  it.effect("says what is wrong without quoting the secret", () =>
    Effect.gen(function* () {
      expect(yield* failure(join(dir, "missing.json"))).toContain("could not read the keypair file")
      const bad = join(dir, "bad.json")
      writeFileSync(bad, json.slice(0, 40))
      expect(yield* failure(bad)).toContain("not a JSON byte array")
      expect(yield* failure(json.slice(0, -1))).toContain("not valid JSON")
      expect(yield* failure("[1,2,3]")).toContain("3 bytes")
      // A secret half with someone else's public half.
      const mismatched = Array.from(keypair.secretKey)
      mismatched[40] = (mismatched[40]! + 1) % 256
      expect(yield* failure(JSON.stringify(mismatched))).toContain("not a valid ed25519 keypair")
      expect(yield* failure("0OIl-not-base58")).toContain("neither a file path")
    })
  )
})
