import { Context, type Effect, type Option } from "effect"
import type { ChainError } from "../ChainError.ts"
import type { MintedAsset } from "../Mint.ts"
import type { SignatureObservation } from "../Reconciliation.ts"
import type { OnChainMetadata } from "../TicketMetadata.ts"
import type { ChangeLog, LeafSchema } from "../TreeReplica.ts"

export interface PrepareMintInput {
  readonly mintId: string
  readonly owner: string
  readonly tree: string
  readonly metadata: OnChainMetadata
  /**
   * The tree's maximum depth. A mint's work on chain depends on the leaf index it lands at, up to
   * a bound the depth sets; a gateway sizes the mint's compute for that bound (without it, for
   * the deepest tree there is).
   */
  readonly treeDepth?: number | undefined
}

/** A signed mint transaction, not yet sent. */
export interface PreparedMint {
  readonly signature: string
  readonly wire: Uint8Array
  readonly lastValidBlockHeight: number
  readonly tree: string
  /** Bubblegum's data hash of the metadata, as the leaf will carry it. */
  readonly dataHash: string
}

/**
 * One change a landed transaction made to a tree: SPL account compression's change log, and
 * what Bubblegum logged beside it. This is what the tree replica is kept from.
 */
export interface TreeChange {
  readonly signature: string
  readonly slot: number
  readonly change: ChangeLog
  /**
   * The leaf Bubblegum logged with this change (mints, transfers, delegations, creator and
   * collection verification, metadata updates); null where it logs none (burns).
   */
  readonly leaf: LeafSchema | null
  /** For a mint: the metadata URI its instruction carried (it names the ticket). */
  readonly mintedUri: string | null
}

export interface TreeScanPage {
  /** Leaves minted after the checkpoint, oldest first. */
  readonly leaves: ReadonlyArray<MintedAsset>
  /**
   * Every change the page's landed transactions made to this tree, in sequence order. Adapters
   * read every transaction of the page for them (`known` does not apply).
   */
  readonly changes: ReadonlyArray<TreeChange>
  /** The newest signature this page covered; the next scan starts after it. */
  readonly checkpoint: string | null
  /** False when more signatures remain after this page. */
  readonly done: boolean
  /**
   * Every signature the page covered, as the tree's transaction listing showed it (landed, with
   * its error if it failed): statuses read just now, which the caller need not read again. An
   * adapter whose listing does not carry them leaves this out.
   */
  readonly signatures?: ReadonlyArray<SignatureObservation>
}

/** A sized Token Metadata collection NFT to create, the fee payer its update authority. */
export interface PrepareCollectionInput {
  readonly name: string
  readonly symbol: string
  readonly uri: string
  readonly sellerFeeBasisPoints: number
}

/**
 * A signed collection-creating transaction, not yet sent: like a mint, its signature and bytes
 * are stored before the first send, so a crash never creates a second collection NFT.
 */
export interface PreparedCollection {
  /** The collection NFT's mint address (a new account this transaction creates). */
  readonly mint: string
  readonly signature: string
  readonly wire: Uint8Array
  readonly lastValidBlockHeight: number
}

export interface CreateTreeInput {
  readonly maxDepth: number
  readonly maxBufferSize: number
  readonly canopyDepth: number
}

export interface CreatedTree extends CreateTreeInput {
  readonly address: string
  readonly signature: string
  readonly rentLamports: number
}

/** A managed tree's account as the chain holds it now. */
export type TreeAccount =
  | { readonly _tag: "Missing"; readonly address: string }
  /** There is an account, but it is not a Bubblegum tree of this address (owner, authority or shape). */
  | { readonly _tag: "Foreign"; readonly address: string; readonly reason: string }
  | {
      readonly _tag: "Tree"
      readonly address: string
      readonly maxDepth: number
      readonly maxBufferSize: number
      /** The sequence number of the newest change. */
      readonly seq: number
      /** The roots its change-log buffer holds, by sequence number (base58), the newest included. */
      readonly roots: ReadonlyMap<number, string>
    }

/** The cluster's identity and the managed trees' accounts, read together. */
export interface TreeObservation {
  readonly genesisHash: string
  /** One per address asked, in order. */
  readonly trees: ReadonlyArray<TreeAccount>
  readonly blockHeight: number
}

export interface ChainInfo {
  /** `simulated` is the in-memory chain of core/testing: nothing is real there. */
  readonly kind: "simulated" | "localnet" | "cluster"
  /** The endpoint, for operators: scheme, host and port only (never a path key, query or credentials). */
  readonly rpcUrl: string | null
  /** The cluster's identity: a changed one means every tree and signature of the old one is gone. */
  readonly genesisHash: string
  readonly slot: number
  readonly blockHeight: number
  readonly feePayer: string
  readonly feePayerLamports: number
}

/**
 * The chain, as the mint worker and the reconciler need it. Prepare signs without sending, so
 * the signature can be stored first; send never retries by itself (the worker re-sends the
 * same bytes); statuses are read in batches.
 */
export class ChainGateway extends Context.Service<
  ChainGateway,
  {
    prepareMint(input: PrepareMintInput): Effect.Effect<PreparedMint, ChainError>
    /**
     * Signs, without sending, the creation of a sized collection NFT that tickets can be minted
     * into (whatever accounts the deployed Bubblegum needs for mintToCollectionV1).
     */
    prepareCollection(input: PrepareCollectionInput): Effect.Effect<PreparedCollection, ChainError>
    send(wire: Uint8Array): Effect.Effect<void, ChainError>
    /** One observation per signature, in order; batched by the adapter (at most 256 per RPC call). */
    statuses(
      signatures: ReadonlyArray<string>
    ): Effect.Effect<ReadonlyArray<SignatureObservation>, ChainError>
    readonly blockHeight: Effect.Effect<number, ChainError>
    /** The leaf a confirmed mint transaction created; none if it is unknown or failed. */
    mintedLeaf(signature: string): Effect.Effect<Option.Option<MintedAsset>, ChainError>
    /**
     * The leaves minted into a tree after a checkpoint signature (null: from the tree's start).
     * `known` names signatures whose leaves the caller already holds (parsed from the chain when
     * their mints completed): they are listed in `signatures` but their transactions are not
     * read again, and their leaves may be left out of `leaves`.
     */
    scanTree(
      tree: string,
      after: string | null,
      limit: number,
      known?: ReadonlySet<string>
    ): Effect.Effect<TreeScanPage, ChainError>
    /**
     * The genesis hash, the block height and these trees' accounts, in one round trip (a
     * JSON-RPC batch), so a pass's proof costs one call however many trees it checks.
     */
    observeTrees(addresses: ReadonlyArray<string>): Effect.Effect<TreeObservation, ChainError>
    createTree(input: CreateTreeInput): Effect.Effect<CreatedTree, ChainError>
    /**
     * Whether each account exists on chain, in order, in one batched read: the worker checks the
     * active tree at start and whenever a failure says a tree is missing, before retiring it.
     */
    accountsExist(addresses: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<boolean>, ChainError>
    /** Bubblegum's hash of this metadata, to compare with a leaf's. */
    hashMetadata(metadata: OnChainMetadata): Effect.Effect<string>
    readonly info: Effect.Effect<ChainInfo, ChainError>
    /** RPC requests made so far (HTTP requests, a JSON-RPC batch counting once), for reports and benchmarks. */
    readonly rpcCalls: Effect.Effect<number>
  }
>()("@tickettoken/minting-core/ChainGateway") {}
