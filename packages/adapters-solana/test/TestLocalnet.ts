/**
 * The localnet the adapter's tests run against: started in-process on a free port, with short
 * slots so landings confirm quickly, and a fresh funded fee payer for every gateway built on it.
 */
import { Keypair } from "@solana/web3.js"
import { type Localnet, programsMissingForTests, startLocalnet } from "@tickettoken/solana-localnet"
import { Context, Effect, Layer, Redacted } from "effect"
import { BubblegumGateway } from "../src/BubblegumGateway.ts"
import { SolanaClient } from "../src/SolanaClient.ts"
import { SolanaConfig, type SolanaSettings } from "../src/SolanaConfig.ts"

export class TestLocalnet extends Context.Service<TestLocalnet, Localnet>()("test/TestLocalnet") {}

export const SLOT_MS = 20

/** A localnet for the scope: with the cached Bubblegum programs unless `loadPrograms` is false. */
export const localnetLayer = (loadPrograms = true) =>
  Layer.effect(
    TestLocalnet,
    Effect.acquireRelease(
      Effect.promise(() => startLocalnet({ port: 0, slotIntervalMs: SLOT_MS, loadPrograms })),
      (net) => Effect.promise(() => net.close())
    )
  )

/** Why the Bubblegum cases cannot run here, or undefined when every program binary is cached. */
export const programsMissing = (): string | undefined => programsMissingForTests()

export const FEE_PAYER_LAMPORTS = 1_000n * 1_000_000_000n

/** A keypair as SOLANA_KEYPAIR's JSON form. */
export const keypairSecret = (keypair: Keypair) =>
  Redacted.make(JSON.stringify(Array.from(keypair.secretKey)))

/** The gateway, its client and the call counter for a new fee payer the localnet has funded. */
export const gatewayLayer = (settings: Partial<SolanaSettings> = {}) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const net = yield* TestLocalnet
      const payer = Keypair.generate()
      net.fund(payer.publicKey.toBase58(), FEE_PAYER_LAMPORTS)
      return BubblegumGateway.layer.pipe(
        Layer.provide(SolanaConfig.layer({ rpcUrl: net.rpcUrl, keypair: keypairSecret(payer), ...settings }))
      )
    })
  )

/** A client on the localnet for a new funded fee payer, without the gateway. */
export const clientLayer = (settings: Partial<SolanaSettings> = {}) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const net = yield* TestLocalnet
      const payer = Keypair.generate()
      net.fund(payer.publicKey.toBase58(), FEE_PAYER_LAMPORTS)
      return SolanaClient.layer.pipe(
        Layer.provide(SolanaConfig.layer({ rpcUrl: net.rpcUrl, keypair: keypairSecret(payer), ...settings }))
      )
    })
  )
