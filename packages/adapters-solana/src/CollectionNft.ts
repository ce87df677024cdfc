/**
 * A Token Metadata collection NFT that tickets can be minted into with mintToCollectionV1: the
 * fee payer is its update authority, and it is sized (collectionDetails V1, size 0), which old
 * Bubblegum builds insist on (CollectionMustBeSized, 6026) and new ones accept.
 */
import { createNft } from "@metaplex-foundation/mpl-token-metadata"
import { generateSigner, percentAmount } from "@metaplex-foundation/umi"
import type { ChainError } from "@tickettoken/minting-core"
import { Effect } from "effect"
import { SolanaClient } from "./SolanaClient.ts"
import { makeTransactions } from "./Transactions.ts"

export interface CollectionInput {
  readonly name: string
  readonly uri: string
  readonly symbol?: string | undefined
  readonly sellerFeeBasisPoints?: number | undefined
}

export interface CreatedCollection {
  /** The collection's mint: OnChainMetadata.collection. */
  readonly mint: string
  readonly signature: string
}

const create = Effect.fn("CollectionNft.create")(function* (input: CollectionInput) {
  const client = yield* SolanaClient
  const transactions = yield* makeTransactions(client)
  const mint = generateSigner(client.umi)
  const instructions = createNft(client.umi, {
    mint,
    name: input.name,
    uri: input.uri,
    symbol: input.symbol ?? "",
    sellerFeeBasisPoints: percentAmount((input.sellerFeeBasisPoints ?? 0) / 100),
    isCollection: true,
    collectionDetails: { __kind: "V1", size: 0 }
  })
  const signed = yield* transactions.prepare(instructions)
  yield* transactions.sendAndConfirm(signed)
  return { mint: mint.publicKey, signature: signed.signature } satisfies CreatedCollection
})

/**
 * Creates the collection NFT and waits until it has landed. (Annotated: the inferred type names a
 * symbol that declaration files cannot reach.)
 */
export const createCollection: (
  input: CollectionInput
) => Effect.Effect<CreatedCollection, ChainError, SolanaClient> = create
