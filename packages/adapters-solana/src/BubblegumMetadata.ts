/**
 * A ticket's OnChainMetadata as Bubblegum's MetadataArgs, and the data hash the leaf will carry.
 * The fields the ticket does not choose are fixed here once, because the hash covers them: a
 * prepare and a later `hashMetadata` must build byte-identical arguments.
 */
import {
  hashMetadataData,
  type MetadataArgsArgs,
  TokenProgramVersion,
  TokenStandard
} from "@metaplex-foundation/mpl-bubblegum"
import { publicKey } from "@metaplex-foundation/umi"
import { base58 } from "@metaplex-foundation/umi/serializers"
import type { TicketMetadata } from "@tickettoken/minting-core"

type OnChainMetadata = TicketMetadata.OnChainMetadata

/**
 * The arguments a mint instruction carries. With a collection the ticket is minted by
 * mintToCollectionV1, which sets `collection.verified` to true before hashing (the program
 * verifies it in the same instruction), so the hash is taken over `verified: true` too; the
 * instruction itself may carry either value.
 */
export const metadataArgs = (metadata: OnChainMetadata): MetadataArgsArgs => ({
  name: metadata.name,
  symbol: metadata.symbol,
  uri: metadata.uri,
  sellerFeeBasisPoints: metadata.sellerFeeBasisPoints,
  primarySaleHappened: false,
  isMutable: true,
  editionNonce: null,
  tokenStandard: TokenStandard.NonFungible,
  collection: metadata.collection === null ? null : { key: publicKey(metadata.collection), verified: true },
  uses: null,
  tokenProgramVersion: TokenProgramVersion.Original,
  creators: metadata.creators.map((c) => ({
    address: publicKey(c.address),
    share: c.share,
    verified: c.verified
  }))
})

/** Bubblegum's data hash (keccak of the serialized args and the seller fee), in base58. */
export const dataHash = (metadata: OnChainMetadata): string =>
  base58.deserialize(hashMetadataData(metadataArgs(metadata)))[0]
