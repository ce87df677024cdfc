/**
 * The one handle on the chain the adapter's parts share: umi (umi-bundle-defaults on the RPC URL,
 * with the fee payer as identity and payer, and the Bubblegum, Token Metadata and toolbox programs
 * registered), the JSON-RPC transport, and the tally of every request either of them makes.
 *
 * umi builds, signs and serializes; it also holds a web3.js Connection on the same URL (through
 * the counting fetch, 429 retries off) for the few helpers that read through `umi.rpc`.
 */
import { mplBubblegum } from "@metaplex-foundation/mpl-bubblegum"
import { mplTokenMetadata } from "@metaplex-foundation/mpl-token-metadata"
import { mplToolbox } from "@metaplex-foundation/mpl-toolbox"
import { signerIdentity, type Umi } from "@metaplex-foundation/umi"
import { createUmi } from "@metaplex-foundation/umi-bundle-defaults"
import { Context, Effect, Layer } from "effect"
import { cachedPrograms } from "./CachedPrograms.ts"
import { feePayerSigner } from "./FeePayerSigner.ts"
import { type KeypairError, loadKeypair } from "./Keypair.ts"
import { compilingFactory } from "./MessageCompiler.ts"
import { SolanaConfig, type SolanaSettings } from "./SolanaConfig.ts"
import { makeSolanaRpc, RequestTally, RpcCallCounter, type SolanaRpc } from "./SolanaRpc.ts"

export interface SolanaClientShape {
  readonly settings: SolanaSettings
  readonly umi: Umi
  /** The fee payer's address (its keypair stays inside umi's signer). */
  readonly feePayer: string
  readonly rpc: SolanaRpc
  readonly tally: RequestTally
}

export class SolanaClient extends Context.Service<SolanaClient, SolanaClientShape>()(
  "@tickettoken/minting-solana/SolanaClient"
) {
  static readonly make = (settings: SolanaSettings) => makeClient(settings)

  /** Needs SolanaConfig; also provides the RpcCallCounter over the same tally. */
  static readonly layer: Layer.Layer<SolanaClient | RpcCallCounter, KeypairError, SolanaConfig> =
    Layer.effectContext(
      Effect.gen(function* () {
        const settings = yield* SolanaConfig
        const client = yield* makeClient(settings)
        return Context.make(SolanaClient, client).pipe(
          Context.add(RpcCallCounter, { count: Effect.sync(() => client.tally.snapshot()) })
        )
      })
    )
}

/** A client for these settings. */
const makeClient = (settings: SolanaSettings): Effect.Effect<SolanaClientShape, KeypairError> =>
  Effect.map(loadKeypair(settings.keypair), (keypair) => {
    const tally = new RequestTally()
    const umi = createUmi(settings.rpcUrl, {
      commitment: settings.commitment,
      fetch: tally.countingFetch(fetch),
      disableRetryOnRateLimit: true
    })
      .use(mplToolbox())
      .use(mplBubblegum())
      .use(mplTokenMetadata())
    umi.programs = cachedPrograms(umi.programs)
    umi.transactions = compilingFactory(umi.transactions)
    const signer = feePayerSigner(keypair)
    umi.use(signerIdentity(signer))
    const rpc = makeSolanaRpc({
      url: settings.rpcUrl,
      timeoutMs: settings.rpcTimeoutMs,
      batchSize: settings.rpcBatchSize,
      concurrency: settings.rpcConcurrency,
      tally
    })
    return { settings, umi, feePayer: signer.publicKey, rpc, tally }
  })
