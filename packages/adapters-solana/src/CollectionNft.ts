/**
 * A Token Metadata collection NFT that tickets can be minted into with mintToCollectionV1: the
 * fee payer is its update authority, and it is sized (collectionDetails V1, size 0), which old
 * Bubblegum builds insist on (CollectionMustBeSized, 6026) and new ones accept. Minting into it
 * needs nothing more on chain: the fee payer, as update authority, signs each mint, and the
 * mint instruction names the legacy `collection_cpi` signer PDA (BubblegumGateway).
 */
import { createNft } from "@metaplex-foundation/mpl-token-metadata"
import { generateSigner, percentAmount, type Signer, type TransactionBuilder } from "@metaplex-foundation/umi"
import type { ChainError, PrepareCollectionInput } from "@tickettoken/minting-core"
import { Effect } from "effect"
import { SolanaClient, type SolanaClientShape } from "./SolanaClient.ts"
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

const utf8 = new TextEncoder()

/** What Token Metadata would refuse, said before anything is signed. */
export const collectionProblem = (input: PrepareCollectionInput): string | undefined => {
  const name = utf8.encode(input.name).length
  if (name === 0 || name > 32) return `the collection name is ${name} bytes; 1 to 32 are allowed`
  if (utf8.encode(input.symbol).length > 10) return "the collection symbol is over 10 bytes"
  if (utf8.encode(input.uri).length > 200) return "the collection uri is over 200 bytes"
  if (!Number.isInteger(input.sellerFeeBasisPoints) || input.sellerFeeBasisPoints < 0)
    return "sellerFeeBasisPoints is a whole number from 0"
  if (input.sellerFeeBasisPoints > 10_000) return "sellerFeeBasisPoints is at most 10000"
  return undefined
}

/** The instructions creating the sized collection NFT `mint`, the fee payer its authority. */
export const collectionNftInstructions = (
  client: SolanaClientShape,
  mint: Signer,
  input: PrepareCollectionInput
): TransactionBuilder =>
  createNft(client.umi, {
    mint,
    name: input.name,
    uri: input.uri,
    symbol: input.symbol,
    sellerFeeBasisPoints: percentAmount(input.sellerFeeBasisPoints / 100),
    isCollection: true,
    collectionDetails: { __kind: "V1", size: 0 }
  })

const create = Effect.fn("CollectionNft.create")(function* (input: CollectionInput) {
  const client = yield* SolanaClient
  const transactions = yield* makeTransactions(client)
  const mint = generateSigner(client.umi)
  const instructions = collectionNftInstructions(client, mint, {
    name: input.name,
    uri: input.uri,
    symbol: input.symbol ?? "",
    sellerFeeBasisPoints: input.sellerFeeBasisPoints ?? 0
  })
  const signed = yield* transactions.prepare(instructions)
  yield* transactions.sendAndConfirm(signed)
  return { mint: mint.publicKey, signature: signed.signature } satisfies CreatedCollection
})

/**
 * Creates the collection NFT and waits until it has landed (tests and scripts; the service goes
 * through ChainGateway.prepareCollection, which stores the signed bytes before sending).
 * (Annotated: the inferred type names a symbol that declaration files cannot reach.)
 */
export const createCollection: (
  input: CollectionInput
) => Effect.Effect<CreatedCollection, ChainError, SolanaClient> = create
