/**
 * What a ticket's holder does with an asset proof from the service (GET
 * /v1/mints/:ticketId/proof, or core's `assetProof`): transfer the ticket, or burn it at
 * check-in, with mpl-bubblegum's v1 instructions, without a DAS provider. The accounts the
 * v1-era programs need are named explicitly (SPL noop and SPL account compression), since
 * mpl-bubblegum's defaults depend on the cluster it recognises.
 */
import { burn, transfer } from "@metaplex-foundation/mpl-bubblegum"
import { type Context, publicKey, type Signer, type TransactionBuilder } from "@metaplex-foundation/umi"
import { base58 } from "@metaplex-foundation/umi/serializers"
import type { AssetProof } from "@tickettoken/minting-core"
import { SPL_NOOP_PROGRAM } from "./LeafEvents.ts"
import { ACCOUNT_COMPRESSION_PROGRAM } from "./TreeAccount.ts"

const leafArgs = (proof: AssetProof, holder: Signer) => ({
  leafOwner: holder,
  merkleTree: publicKey(proof.tree),
  root: base58.serialize(proof.root),
  dataHash: base58.serialize(proof.dataHash),
  creatorHash: base58.serialize(proof.creatorHash),
  nonce: proof.nonce,
  index: proof.leafIndex,
  proof: proof.proof.map((node) => publicKey(node)),
  logWrapper: publicKey(SPL_NOOP_PROGRAM),
  compressionProgram: publicKey(ACCOUNT_COMPRESSION_PROGRAM)
})

/** The holder gives the ticket to `newOwner`. */
export const transferTicket = (
  context: Pick<Context, "eddsa" | "programs" | "payer" | "identity">,
  proof: AssetProof,
  holder: Signer,
  newOwner: string
): TransactionBuilder => transfer(context, { ...leafArgs(proof, holder), newLeafOwner: publicKey(newOwner) })

/** The holder burns the ticket (check-in). */
export const burnTicket = (
  context: Pick<Context, "eddsa" | "programs" | "payer" | "identity">,
  proof: AssetProof,
  holder: Signer
): TransactionBuilder => burn(context, leafArgs(proof, holder))
