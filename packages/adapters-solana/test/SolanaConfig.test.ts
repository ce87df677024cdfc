/** SolanaConfig from the environment's variables. */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Redacted } from "effect"
import { settingsConfig } from "../src/SolanaConfig.ts"

const read = (env: Record<string, string>) =>
  Effect.provide(settingsConfig, ConfigProvider.layer(ConfigProvider.fromEnvRecord(env)))

describe("SolanaConfig", () => {
  it.effect("defaults: confirmed, a fixed fee of 0, +10% compute units with a 50k floor", () =>
    Effect.gen(function* () {
      const settings = yield* read({
        SOLANA_RPC_URL: "https://api.devnet.solana.com",
        SOLANA_KEYPAIR: "/keys/payer.json"
      })
      expect(settings).toMatchObject({
        rpcUrl: "https://api.devnet.solana.com",
        commitment: "confirmed",
        priorityFee: { _tag: "Fixed", microLamports: 0 },
        computeUnitMargin: 0.1,
        minComputeUnits: 50_000
      })
      expect(Redacted.value(settings.keypair)).toBe("/keys/payer.json")
      expect(String(settings.keypair)).not.toContain("payer")
    })
  )

  it.effect("SOLANA_PRIORITY_FEE_MICROLAMPORTS is a number or auto", () =>
    Effect.gen(function* () {
      const fixed = yield* read({ SOLANA_PRIORITY_FEE_MICROLAMPORTS: "5000", SOLANA_COMMITMENT: "finalized" })
      expect(fixed.priorityFee).toEqual({ _tag: "Fixed", microLamports: 5000 })
      expect(fixed.commitment).toBe("finalized")
      const auto = yield* read({
        SOLANA_PRIORITY_FEE_MICROLAMPORTS: "auto",
        SOLANA_PRIORITY_FEE_MAX_MICROLAMPORTS: "20000"
      })
      expect(auto.priorityFee).toEqual({ _tag: "Auto", maxMicroLamports: 20_000 })
      const wrong = yield* Effect.flip(read({ SOLANA_PRIORITY_FEE_MICROLAMPORTS: "lots" }))
      expect(wrong.message).toContain("SOLANA_PRIORITY_FEE_MICROLAMPORTS")
      yield* Effect.flip(read({ SOLANA_COMMITMENT: "max" }))
    })
  )
})
