/**
 * The two chains the tests reconcile against, behind one driver: the simulated chain of
 * core/testing, and the localnet with the real Bubblegum programs reached over JSON-RPC through
 * the real adapter. The driver does to the chain what the scenarios need done out of band.
 */
import { createSignerFromKeypair, type Signer, type TransactionBuilder } from "@metaplex-foundation/umi"
import { base58 } from "@metaplex-foundation/umi/serializers"
import {
  type AssetProof,
  Base58,
  ChainGateway,
  type MintRequest,
  TicketMetadata
} from "@tickettoken/minting-core"
import { SimulatedChain, SimulatedChainControl } from "@tickettoken/minting-core/testing"
import { Keypairs } from "@tickettoken/minting-service-kit"
import {
  BubblegumGateway,
  HolderActions,
  RpcCallCounter,
  SolanaClient,
  SolanaConfig
} from "@tickettoken/minting-solana"
import { type Localnet, programsMissingForTests, startLocalnet } from "@tickettoken/solana-localnet"
import { Context, Effect, Layer, Redacted, Schedule } from "effect"

/** A fresh ed25519 keypair: its address, and its secret in SOLANA_KEYPAIR's JSON form. */
export const keypair = () => {
  const json = Keypairs.newKeypairJson()
  const bytes = JSON.parse(json) as Array<number>
  return { address: Base58.encode(Uint8Array.from(bytes.slice(32))), secret: Redacted.make(json) }
}

export type Holder = ReturnType<typeof keypair>

export class ChainDriver extends Context.Service<
  ChainDriver,
  {
    readonly kind: "simulated" | "localnet"
    /**
     * A cNFT minted into `tree` by someone else: the database never hears of it. Its URI is
     * elsewhere unless `uri` names one (a URI of this service names a ticket).
     */
    mintOutOfBand(tree: string, request: MintRequest, uri?: string): Effect.Effect<void>
    /** The holder transfers the ticket with the service's asset proof. */
    transfer(proof: AssetProof, holder: Holder, newOwner: string): Effect.Effect<void>
    /** The holder burns the ticket with the service's asset proof. */
    burn(proof: AssetProof, holder: Holder): Effect.Effect<void>
    /**
     * The chain starts again, empty, at the same URL (a restarted local devnet): every tree and
     * transaction gone, the fee payer funded anew. Given a genesis hash, the new chain has it
     * (the old one's: a reset that kept its identity); without, the simulated chain keeps its
     * genesis hash and the localnet takes a new one, as a restarted local devnet does.
     */
    restart(genesisHash?: string): Effect.Effect<void>
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
      mintOutOfBand: (tree, request, uri) =>
        Effect.asVoid(
          control.mintOutOfBand(
            tree,
            request.owner,
            TicketMetadata.onChainMetadata(request, uri ?? outOfBandUri(request))
          )
        ),
      transfer: (proof, _holder, newOwner) => control.transfer(proof.assetId, newOwner),
      burn: (proof) => control.burn(proof.assetId),
      restart: (genesisHash) => control.restart(genesisHash === undefined ? {} : { genesisHash }),
      expireBlockhashes: control.advance(151),
      callsByMethod: control.calls,
      sends: control.sends
    })
  })
).pipe(Layer.provideMerge(SimulatedChain.layer({ slotMs: 50 })))

/** Why the Bubblegum cases cannot run here, or undefined when every program binary is cached. */
export const programsMissing = (): string | undefined => programsMissingForTests()

const payerLamports = 1_000n * 1_000_000_000n

/** The real adapter on the localnet, for a fee payer of its own (`payer`), funded there. */
export const localnetGateway = (localnet: Localnet, payer: Holder = keypair()) => {
  localnet.fund(payer.address, payerLamports)
  return BubblegumGateway.layer.pipe(
    Layer.provide(SolanaConfig.layer({ rpcUrl: localnet.rpcUrl, keypair: payer.secret }))
  )
}

/** The localnet a driver restarts: `current` is the one running now (close that one at the end). */
export interface LocalnetBox {
  current: Localnet
}

export const onLocalnet = (
  localnet: Localnet,
  box: LocalnetBox = { current: localnet },
  payer: Holder = keypair()
): Layer.Layer<ChainServices | RpcCallCounter> =>
  Layer.effect(
    ChainDriver,
    Effect.gen(function* () {
      const chain = yield* ChainGateway
      const counter = yield* RpcCallCounter
      const client = yield* SolanaClient
      const landed = (signature: string) =>
        chain.statuses([signature]).pipe(
          Effect.repeat({
            until: ([status]) => status?.state === "landed",
            schedule: Schedule.spaced("20 millis")
          })
        )
      const mintOutOfBand = (tree: string, request: MintRequest, uri?: string) =>
        Effect.gen(function* () {
          const prepared = yield* chain.prepareMint({
            mintId: `out-of-band-${request.ticketId}`,
            owner: request.owner,
            tree,
            metadata: TicketMetadata.onChainMetadata(request, uri ?? outOfBandUri(request))
          })
          yield* chain.send(prepared.wire)
          yield* landed(prepared.signature)
        }).pipe(Effect.orDie)
      /** A transaction the holder signs (the fee payer pays), sent and landed. */
      const asHolder = (holder: Holder, build: (signer: Signer) => TransactionBuilder) =>
        Effect.gen(function* () {
          const secret = Uint8Array.from(JSON.parse(Redacted.value(holder.secret)) as Array<number>)
          const signer = createSignerFromKeypair(
            client.umi,
            client.umi.eddsa.createKeypairFromSecretKey(secret)
          )
          const builder = build(signer)
          const blockhash = yield* Effect.promise(() => client.umi.rpc.getLatestBlockhash())
          const tx = yield* Effect.promise(() => builder.setBlockhash(blockhash).buildAndSign(client.umi))
          yield* chain.send(client.umi.transactions.serialize(tx))
          yield* landed(base58.deserialize(tx.signatures[0]!)[0])
        }).pipe(Effect.orDie)
      return ChainDriver.of({
        kind: "localnet",
        mintOutOfBand,
        transfer: (proof, holder, newOwner) =>
          asHolder(holder, (signer) => HolderActions.transferTicket(client.umi, proof, signer, newOwner)),
        burn: (proof, holder) =>
          asHolder(holder, (signer) => HolderActions.burnTicket(client.umi, proof, signer)),
        expireBlockhashes: Effect.sync(() => box.current.advanceSlots(151)),
        restart: (genesisHash) =>
          Effect.promise(async () => {
            const port = Number(new URL(box.current.rpcUrl).port)
            await box.current.close()
            box.current = await startLocalnet({
              port,
              slotIntervalMs: 20,
              ...(genesisHash === undefined ? {} : { genesisHash })
            })
            box.current.fund(payer.address, payerLamports)
          }).pipe(
            // The adapter's kept-alive connections to the old server answer once with a reset.
            Effect.andThen(Effect.retry(chain.info, { times: 5 })),
            Effect.orDie,
            Effect.asVoid
          ),
        callsByMethod: Effect.map(counter.count, (count) => count.byMethod),
        sends: Effect.map(counter.count, (count) => count.byMethod.sendTransaction ?? 0)
      })
    })
  ).pipe(Layer.provideMerge(localnetGateway(localnet, payer)), Layer.orDie)
