/**
 * The two chains the tests reconcile against, behind one driver: the simulated chain of
 * core/testing, and the localnet with the real Bubblegum programs reached over JSON-RPC through
 * the real adapter. The driver does to the chain what the scenarios need done out of band.
 */
import { generateKeyPairSync } from "node:crypto"
import { Base58, ChainGateway, type MintRequest, TicketMetadata } from "@tickettoken/minting-core"
import { SimulatedChain, SimulatedChainControl } from "@tickettoken/minting-core/testing"
import { BubblegumGateway, RpcCallCounter, SolanaConfig } from "@tickettoken/minting-solana"
import { type Localnet, programsMissingForTests } from "@tickettoken/solana-localnet"
import { Context, Effect, Layer, Redacted, Schedule } from "effect"

/** A fresh ed25519 keypair: its address, and its secret in SOLANA_KEYPAIR's JSON form. */
export const keypair = () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519")
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url")
  const pub = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url")
  return { address: Base58.encode(pub), secret: Redacted.make(JSON.stringify([...seed, ...pub])) }
}

export class ChainDriver extends Context.Service<
  ChainDriver,
  {
    readonly kind: "simulated" | "localnet"
    /** A cNFT minted into `tree` by someone else: the database never hears of it. */
    mintOutOfBand(tree: string, request: MintRequest): Effect.Effect<void>
    /** Moves the chain 151 blocks on: every blockhash handed out so far has expired. */
    readonly expireBlockhashes: Effect.Effect<void>
    /** Calls the chain has served so far, per method (JSON-RPC methods on the localnet). */
    readonly callsByMethod: Effect.Effect<Readonly<Record<string, number>>>
    /** Transactions sent to the chain so far. */
    readonly sends: Effect.Effect<number>
  }
>()("test/ChainDriver") {}

export type ChainServices = ChainGateway | ChainDriver

const outOfBandUri = (request: MintRequest) => `https://elsewhere.example/${request.ticketId}`

export const simulated: Layer.Layer<ChainServices> = Layer.effect(
  ChainDriver,
  Effect.gen(function* () {
    const control = yield* SimulatedChainControl
    return ChainDriver.of({
      kind: "simulated",
      mintOutOfBand: (tree, request) =>
        Effect.asVoid(
          control.mintOutOfBand(
            tree,
            request.owner,
            TicketMetadata.onChainMetadata(request, outOfBandUri(request))
          )
        ),
      expireBlockhashes: control.advance(151),
      callsByMethod: control.calls,
      sends: control.sends
    })
  })
).pipe(Layer.provideMerge(SimulatedChain.layer({ slotMs: 50 })))

/** Why the Bubblegum cases cannot run here, or undefined when every program binary is cached. */
export const programsMissing = (): string | undefined => programsMissingForTests()

/** The real adapter on the localnet, for a fee payer of its own, funded there. */
export const localnetGateway = (localnet: Localnet) => {
  const payer = keypair()
  localnet.fund(payer.address, 1_000n * 1_000_000_000n)
  return BubblegumGateway.layer.pipe(
    Layer.provide(SolanaConfig.layer({ rpcUrl: localnet.rpcUrl, keypair: payer.secret }))
  )
}

export const onLocalnet = (localnet: Localnet): Layer.Layer<ChainServices | RpcCallCounter> =>
  Layer.effect(
    ChainDriver,
    Effect.gen(function* () {
      const chain = yield* ChainGateway
      const counter = yield* RpcCallCounter
      const mintOutOfBand = (tree: string, request: MintRequest) =>
        Effect.gen(function* () {
          const prepared = yield* chain.prepareMint({
            mintId: `out-of-band-${request.ticketId}`,
            owner: request.owner,
            tree,
            metadata: TicketMetadata.onChainMetadata(request, outOfBandUri(request))
          })
          yield* chain.send(prepared.wire)
          yield* chain.statuses([prepared.signature]).pipe(
            Effect.repeat({
              until: ([status]) => status?.state === "landed",
              schedule: Schedule.spaced("20 millis")
            })
          )
        }).pipe(Effect.orDie)
      return ChainDriver.of({
        kind: "localnet",
        mintOutOfBand,
        expireBlockhashes: Effect.sync(() => localnet.advanceSlots(151)),
        callsByMethod: Effect.map(counter.count, (count) => count.byMethod),
        sends: Effect.map(counter.count, (count) => count.byMethod.sendTransaction ?? 0)
      })
    })
  ).pipe(Layer.provideMerge(localnetGateway(localnet)), Layer.orDie)
