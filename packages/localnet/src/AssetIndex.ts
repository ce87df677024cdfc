// The devnet's own DAS indexer for compressed NFTs: kept current from the Bubblegum calls and
// noop events of every transaction the devnet processes (mint, transfer, delegate, burn, verify
// and unverify collection or creator, update metadata), replayed from the transaction store at
// start (so a ledger restored from disk is indexed again). Trees are known from their change logs.

import {
  type BubblegumCall,
  bubblegumCalls,
  type Creator,
  type MetadataArgs,
  readMetadataArgs,
  readMetadataUpdate
} from "./BubblegumEvents.ts"
import { ByteReader } from "./ByteReader.ts"
import { toBase58 } from "./Encoding.ts"
import { MerkleTree } from "./MerkleTree.ts"
import type { TransactionRecord } from "./TransactionStore.ts"

export interface AssetSignature {
  readonly signature: string
  readonly instruction: string
  readonly slot: number
}

export interface CompressedAsset {
  readonly id: string
  readonly tree: string
  readonly leafIndex: number
  /** The tree's config PDA, the asset's update authority for DAS. */
  readonly treeAuthority: string
  owner: string
  delegate: string
  dataHash: string
  creatorHash: string
  seq: bigint
  metadata: MetadataArgs
  burnt: boolean
  /** Order of creation, and of the last change, for sorting. */
  readonly created: number
  updated: number
  readonly signatures: AssetSignature[]
}

/** Where mint_to_collection_v1 and the collection instructions keep the collection mint. */
const COLLECTION_MINT_ACCOUNT = 8
const VERIFY_CREATOR_ACCOUNT = 5
const TREE_ACCOUNT = 3

export class AssetIndex {
  private readonly assets = new Map<string, CompressedAsset>()
  private readonly byLeaf = new Map<string, string>()
  private readonly trees = new Map<string, MerkleTree>()
  private order = 0

  get size(): number {
    return this.assets.size
  }

  asset(id: string): CompressedAsset | undefined {
    return this.assets.get(id)
  }

  all(): Iterable<CompressedAsset> {
    return this.assets.values()
  }

  tree(address: string): MerkleTree | undefined {
    return this.trees.get(address)
  }

  /** Reads one landed transaction. */
  index(record: TransactionRecord): void {
    for (const call of bubblegumCalls(record)) this.apply(call, record)
  }

  private apply(call: BubblegumCall, record: TransactionRecord): void {
    for (const log of call.changeLogs) {
      let tree = this.trees.get(log.tree)
      if (!tree) {
        tree = new MerkleTree(log.tree, log.path.length - 1)
        this.trees.set(log.tree, tree)
      }
      tree.apply(log.path, log.seq)
    }
    const change = call.changeLogs[0]
    const tree = call.accounts[TREE_ACCOUNT] ?? change?.tree
    if (tree === undefined) return
    this.order += 1
    const leaf = call.leaves[0]
    let asset: CompressedAsset | undefined
    if (call.name === "MintV1" || call.name === "MintToCollectionV1") {
      if (!leaf) return
      const metadata = readMetadataArgs(new ByteReader(call.data, 8))
      const collectionMint = call.accounts[COLLECTION_MINT_ACCOUNT]
      asset = {
        id: leaf.id,
        tree,
        leafIndex: Number(leaf.nonce),
        treeAuthority: call.accounts[0]!,
        owner: leaf.owner,
        delegate: leaf.delegate,
        dataHash: leaf.dataHash,
        creatorHash: leaf.creatorHash,
        seq: change?.seq ?? 0n,
        // mintToCollectionV1 verifies the collection it is given.
        metadata:
          call.name === "MintToCollectionV1" && collectionMint !== undefined
            ? { ...metadata, collection: { key: collectionMint, verified: true } }
            : metadata,
        burnt: false,
        created: this.order,
        updated: this.order,
        signatures: []
      }
      this.assets.set(asset.id, asset)
      this.byLeaf.set(`${tree}:${asset.leafIndex}`, asset.id)
    } else {
      const id = leaf?.id ?? (change ? this.byLeaf.get(`${change.tree}:${change.index}`) : undefined)
      asset = id === undefined ? undefined : this.assets.get(id)
      if (!asset) return
      this.change(asset, call)
    }
    if (leaf) {
      asset.owner = leaf.owner
      asset.delegate = leaf.delegate
      asset.dataHash = leaf.dataHash
      asset.creatorHash = leaf.creatorHash
    }
    if (change) asset.seq = change.seq
    asset.updated = this.order
    asset.signatures.push({ signature: record.signature, instruction: call.name, slot: record.slot })
  }

  private change(asset: CompressedAsset, call: BubblegumCall): void {
    const metadata = asset.metadata
    switch (call.name) {
      case "Burn":
        asset.burnt = true
        return
      case "VerifyCollection":
      case "SetAndVerifyCollection":
      case "UnverifyCollection": {
        const key = call.accounts[COLLECTION_MINT_ACCOUNT]
        if (key === undefined) return
        asset.metadata = { ...metadata, collection: { key, verified: call.name !== "UnverifyCollection" } }
        return
      }
      case "VerifyCreator":
      case "UnverifyCreator": {
        const creator = call.accounts[VERIFY_CREATOR_ACCOUNT]
        const verified = call.name === "VerifyCreator"
        asset.metadata = {
          ...metadata,
          creators: metadata.creators.map(
            (entry): Creator => (entry.address === creator ? { ...entry, verified } : entry)
          )
        }
        return
      }
      case "UpdateMetadata": {
        const update = readMetadataUpdate(call.data)
        asset.metadata = {
          ...metadata,
          name: update.name ?? metadata.name,
          symbol: update.symbol ?? metadata.symbol,
          uri: update.uri ?? metadata.uri,
          creators: update.creators ?? metadata.creators,
          sellerFeeBasisPoints: update.sellerFeeBasisPoints ?? metadata.sellerFeeBasisPoints,
          primarySaleHappened: update.primarySaleHappened ?? metadata.primarySaleHappened,
          isMutable: update.isMutable ?? metadata.isMutable
        }
        return
      }
      default:
        // Transfer, delegate, redeem: the leaf event carries the new owner and delegate.
        return
    }
  }

  /** getAssetProof's answer for an asset, or undefined when its tree is unknown. */
  proof(asset: CompressedAsset) {
    const tree = this.trees.get(asset.tree)
    if (!tree) return undefined
    return {
      root: toBase58(tree.root),
      proof: tree.proof(asset.leafIndex).map(toBase58),
      node_index: tree.leafNodeIndex(asset.leafIndex),
      leaf: toBase58(tree.leaf(asset.leafIndex)),
      tree_id: asset.tree
    }
  }
}
