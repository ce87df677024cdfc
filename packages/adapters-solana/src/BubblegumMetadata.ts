/**
 * A ticket's OnChainMetadata as Bubblegum's MetadataArgs, and the data hash the leaf will carry.
 * The fields the ticket does not choose are fixed here once, because the hash covers them: a
 * prepare and a later `hashMetadata` must build byte-identical arguments.
 */
import {
  getMetadataArgsSerializer,
  hash,
  type MetadataArgsArgs,
  TokenProgramVersion,
  TokenStandard
} from "@metaplex-foundation/mpl-bubblegum"
import { publicKey } from "@metaplex-foundation/umi"
import { Base58, type TicketMetadata } from "@tickettoken/minting-core"

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

// Built once: mpl-bubblegum's hashMetadataData builds it on every call, which costs about as much
// as serializing, and the reconciler hashes every mint on every pass.
const metadataArgsSerializer = getMetadataArgsSerializer()

/**
 * Bubblegum's data hash, in base58: keccak of (keccak of the serialized args, the seller fee as
 * u16 little-endian), as mpl-bubblegum's hashMetadataData computes it (a test compares the two).
 */
export const dataHash = (metadata: OnChainMetadata): string => {
  const fee = new Uint8Array(2)
  new DataView(fee.buffer).setUint16(0, metadata.sellerFeeBasisPoints, true)
  return Base58.encode(hash([hash(metadataArgsSerializer.serialize(metadataArgs(metadata))), fee]))
}
