/**
 * A deterministic in-memory chain behind the ChainGateway port, for the domain's tests and
 * for other services' tests, and the embedded fallback when no program binaries are cached.
 * Nothing here is real: it follows the rules the worker depends on (a signature lands at most
 * once, a blockhash lives 150 blocks, leaves are numbered per tree) and can be told to fail.
 *
 * Block height follows the Clock (one block per `slotMs`), so TestClock drives it; `advance`
 * adds blocks on top.
 */
import { Clock, Context, Effect, Layer, Option } from "effect"
import * as Base58 from "../Base58.ts"
import {
  BlockhashNotFound,
  ChainError,
  type ChainErrorReason,
  InsufficientFunds,
  InvalidRequest,
  TreeFull,
  TreeMissing
} from "../ChainError.ts"
import { MintedAsset } from "../Mint.ts"
import {
  ChainGateway,
  type PreparedCollection,
  type PreparedMint,
  type TreeAccount,
  type TreeChange
} from "../ports/ChainGateway.ts"
import type { SignatureObservation } from "../Reconciliation.ts"
import type { OnChainMetadata } from "../TicketMetadata.ts"
import * as TreeReplica from "../TreeReplica.ts"

export const feeLamports = 5_000
export const blockhashLifetime = 150

type Method =
  | "prepareMint"
  | "prepareCollection"
  | "send"
  | "statuses"
  | "blockHeight"
  | "mintedLeaf"
  | "scanTree"
  | "createTree"
  | "observeTrees"
  | "accountsExist"
  | "info"

interface PendingTransaction {
  /** A collection NFT's creation names no tree; it creates the account `collectionMint`. */
  readonly collectionMint?: string | undefined
  readonly signature: string
  readonly tree: string
  readonly owner: string
  readonly dataHash: string
  readonly uri: string
  readonly lastValidBlockHeight: number
}

interface Landed {
  readonly slot: number
  readonly err: string | null
  /** The landed error as an adapter that read the logs would classify it. */
  readonly reason?: ChainErrorReason | undefined
  readonly leaf: MintedAsset | null
}

/** A landing failure to inject: the raw error alone (unclassified), or a classified reason. */
export type LandingFailure = string | ChainErrorReason

interface SimulatedTree {
  readonly depth: number
  readonly bufferSize: number
  readonly capacity: number
  readonly leaves: Array<MintedAsset>
  /** Every transaction touching the tree, oldest first, as getSignaturesForAddress would list them. */
  readonly signatures: Array<string>
  /** The merkle tree itself, by heap index, as SPL account compression keeps it. */
  readonly nodes: Map<number, TreeReplica.Hash>
  /** The leaf each index holds now, as Bubblegum logged it. */
  readonly schemas: Map<number, TreeReplica.LeafSchema>
  /** The change-log buffer: the newest `bufferSize` roots by sequence number. */
  readonly roots: Map<number, string>
  seq: number
}

interface Faults {
  /** Sends that are accepted but never land (lost on the way). */
  dropSends: number
  /** Sends that land only after this many more blocks. */
  delayBlocks: number
  /** Sends that land with this error. */
  failLanding: Array<LandingFailure>
  /** Calls that fail before reaching the chain, per method. */
  callFailures: Map<Method, Array<ChainErrorReason>>
}

/** What tests use to steer and inspect the simulated chain. */
export class SimulatedChainControl extends Context.Service<
  SimulatedChainControl,
  {
    /** Adds blocks on top of the clock's. */
    advance(blocks: number): Effect.Effect<void>
    readonly blockHeight: Effect.Effect<number>
    /** The next `count` sends are accepted and lost (replaces any count still pending). */
    dropNextSends(count: number): Effect.Effect<void>
    /** Every send from now on lands `blocks` blocks late (0 restores). */
    delayLanding(blocks: number): Effect.Effect<void>
    /** The next sends land with these errors, one each. */
    failNextLandings(errors: ReadonlyArray<LandingFailure>): Effect.Effect<void>
    /** The tree's account vanishes, as on a chain restarted empty. */
    removeTree(tree: string): Effect.Effect<void>
    /** The next calls of `method` fail with these reasons, one each. */
    failNextCalls(method: Method, reasons: ReadonlyArray<ChainErrorReason>): Effect.Effect<void>
    setFeePayerLamports(lamports: number): Effect.Effect<void>
    /** Mints a leaf nobody asked this service for (chain_orphaned). */
    mintOutOfBand(tree: string, owner: string, metadata: OnChainMetadata): Effect.Effect<MintedAsset>
    /** Every leaf in the tree, in order. */
    leaves(tree: string): Effect.Effect<ReadonlyArray<MintedAsset>>
    /** The holder of a leaf transfers it (Bubblegum `transfer`): a new leaf, same asset. */
    transfer(assetId: string, newOwner: string): Effect.Effect<void>
    /** The holder burns a leaf (Bubblegum `burn`): the leaf is emptied. */
    burn(assetId: string): Effect.Effect<void>
    /**
     * The chain starts again empty (a restarted local devnet): every tree and transaction is
     * gone. With `genesisHash` it is another cluster; without, the same genesis (as the old
     * in-memory devnet did).
     */
    restart(options?: { readonly genesisHash?: string }): Effect.Effect<void>
    /** How many times each method was called. */
    readonly calls: Effect.Effect<Readonly<Record<string, number>>>
    /** How many sends reached the chain (landed or not). */
    readonly sends: Effect.Effect<number>
  }
>()("@tickettoken/minting-core/testing/SimulatedChainControl") {}

/** A small non-cryptographic 32-byte hash (eight FNV-1a lanes): unique enough for a simulator. */
const hash32 = (text: string): Uint8Array => {
  const out = new Uint8Array(32)
  for (let lane = 0; lane < 8; lane++) {
    let h = (0x811c9dc5 ^ (lane * 0x9e3779b1)) >>> 0
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i)
      h = Math.imul(h, 0x01000193) >>> 0
    }
    out.set([h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff], lane * 4)
  }
  return out
}
const address = (text: string) => Base58.encode(hash32(text))

const metadataHash = (metadata: OnChainMetadata) =>
  address(
    JSON.stringify([
      metadata.name,
      metadata.symbol,
      metadata.uri,
      metadata.sellerFeeBasisPoints,
      metadata.creators,
      metadata.collection
    ])
  )

export interface SimulatedChainOptions {
  readonly slotMs?: number
  readonly feePayer?: string
  readonly feePayerLamports?: number
}

/** Chains made by this process, so that no two name their trees alike. */
let instances = 0

export const make = Effect.fnUntraced(function* (options: SimulatedChainOptions = {}) {
  const slotMs = options.slotMs ?? 400
  const feePayer = options.feePayer ?? address("fee-payer")
  const genesisMs = yield* Clock.currentTimeMillis
  // Tree addresses differ from one chain to the next (its start and its place in this process):
  // a service restarted on the same database with a new simulated chain must not meet the
  // trees of the last one under the same address.
  const instance = `${genesisMs}:${++instances}`
  let extraBlocks = 0
  let balance = options.feePayerLamports ?? 1_000_000_000_000
  let counter = 0
  let sends = 0
  const prepared = new Map<string, PendingTransaction>()
  const wires = new Map<string, string>()
  const landed = new Map<string, Landed>()
  /** Sends waiting to land: the height at which each lands. */
  const inbound = new Map<string, { readonly at: number; readonly err: LandingFailure | null }>()
  const trees = new Map<string, SimulatedTree>()
  /** Collection NFTs created by landed transactions. */
  const collections = new Set<string>()
  const changes = new Map<string, Array<TreeChange>>()
  let genesisHash = address("genesis")
  const calls: Record<string, number> = {}
  const faults: Faults = { dropSends: 0, delayBlocks: 0, failLanding: [], callFailures: new Map() }

  const height = Effect.map(
    Clock.currentTimeMillis,
    (now) => 1 + Math.floor((now - genesisMs) / slotMs) + extraBlocks
  )

  /** Writes a leaf as SPL account compression does: the path recomputed, the change logged. */
  const writeLeaf = (
    tree: SimulatedTree,
    treeAddress: string,
    signature: string,
    slot: number,
    leafIndex: number,
    schema: TreeReplica.LeafSchema | null,
    mintedUri: string | null
  ) => {
    const empty = TreeReplica.emptyNodes(tree.depth)
    let node = schema === null ? new Uint8Array(32) : TreeReplica.leafHash(schema)
    const path = [node]
    tree.nodes.set(TreeReplica.nodeIndex(tree.depth, leafIndex, 0), node)
    for (let level = 0; level < tree.depth; level++) {
      const index = TreeReplica.nodeIndex(tree.depth, leafIndex, level)
      const sibling = tree.nodes.get(index ^ 1) ?? empty[level]!
      node = index % 2 === 0 ? TreeReplica.parentOf(node, sibling) : TreeReplica.parentOf(sibling, node)
      tree.nodes.set(TreeReplica.nodeIndex(tree.depth, leafIndex, level + 1), node)
      path.push(node)
    }
    if (schema === null) tree.schemas.delete(leafIndex)
    else tree.schemas.set(leafIndex, schema)
    tree.roots.set(tree.seq, Base58.encode(node))
    tree.roots.delete(tree.seq - tree.bufferSize)
    const change: TreeChange = {
      signature,
      slot,
      change: { tree: treeAddress, seq: tree.seq, leafIndex, path },
      leaf: schema,
      mintedUri
    }
    tree.seq++
    const list = changes.get(signature) ?? []
    list.push(change)
    changes.set(signature, list)
  }

  const creatorHash = address("creators")

  const landLeaf = (
    tree: SimulatedTree,
    treeAddress: string,
    signature: string,
    owner: string,
    dataHash: string,
    uri: string,
    slot: number
  ) => {
    const leafIndex = tree.leaves.length
    const leaf = new MintedAsset({
      assetId: address(`asset:${treeAddress}:${leafIndex}`),
      tree: treeAddress,
      leafIndex,
      signature,
      slot,
      owner,
      dataHash
    })
    tree.leaves.push(leaf)
    writeLeaf(
      tree,
      treeAddress,
      signature,
      slot,
      leafIndex,
      { assetId: leaf.assetId, owner, delegate: owner, nonce: leafIndex, dataHash, creatorHash },
      uri
    )
    return leaf
  }

  const findAsset = (assetId: string) => {
    for (const [treeAddress, tree] of trees) {
      for (const [leafIndex, schema] of tree.schemas) {
        if (schema.assetId === assetId) return { treeAddress, tree, leafIndex, schema }
      }
    }
    return undefined
  }

  /** A transaction by the asset's holder, landed at once. */
  const holderChanges = (
    assetId: string,
    next: (schema: TreeReplica.LeafSchema) => TreeReplica.LeafSchema | null
  ) =>
    Effect.gen(function* () {
      const now = yield* settle
      const found = findAsset(assetId)
      if (found === undefined) return yield* Effect.die(new Error(`no live leaf carries asset ${assetId}`))
      const signature = address(`holder:${++counter}`) + address(`${counter}`)
      found.tree.signatures.push(signature)
      landed.set(signature, { slot: now, err: null, leaf: null })
      writeLeaf(found.tree, found.treeAddress, signature, now, found.leafIndex, next(found.schema), null)
    })

  /** Lands every inbound transaction whose time has come, in send order. */
  const settle = Effect.map(height, (now) => {
    for (const [signature, due] of inbound) {
      if (due.at > now) continue
      inbound.delete(signature)
      const tx = prepared.get(signature)!
      const tree = trees.get(tx.tree)
      tree?.signatures.push(signature)
      if (tx.collectionMint !== undefined && due.err === null) {
        collections.add(tx.collectionMint)
        landed.set(signature, { slot: now, err: null, leaf: null })
      } else if (due.err !== null) {
        const err = due.err
        landed.set(
          signature,
          typeof err === "string"
            ? { slot: now, err, leaf: null }
            : { slot: now, err: JSON.stringify({ simulated: err._tag }), reason: err, leaf: null }
        )
      } else if (tree === undefined) {
        // Bubblegum's tree config is gone: Anchor's AccountNotInitialized.
        landed.set(signature, {
          slot: now,
          err: `{"InstructionError":[0,{"Custom":3012}]}`,
          reason: new TreeMissing({ tree: tx.tree }),
          leaf: null
        })
      } else if (tree.leaves.length >= tree.capacity) {
        landed.set(signature, {
          slot: now,
          err: `{"InstructionError":[0,{"Custom":6017}]}`,
          reason: new TreeFull({ tree: tx.tree }),
          leaf: null
        })
      } else {
        landed.set(signature, {
          slot: now,
          err: null,
          leaf: landLeaf(tree, tx.tree, signature, tx.owner, tx.dataHash, tx.uri, now)
        })
      }
    }
    return now
  })

  /** Counts the call and fails it if a fault is queued for the method. */
  const call = (method: Method) =>
    Effect.suspend(() => {
      calls[method] = (calls[method] ?? 0) + 1
      const reason = faults.callFailures.get(method)?.shift()
      return reason === undefined ? settle : Effect.fail(new ChainError({ reason }))
    })

  const fail = (reason: ChainErrorReason) => Effect.fail(new ChainError({ reason }))

  const gateway = ChainGateway.of({
    prepareMint: (input) =>
      Effect.gen(function* () {
        const now = yield* call("prepareMint")
        if (!Base58.isPublicKey(input.owner)) {
          return yield* fail(new InvalidRequest({ message: `owner ${input.owner} is not a Solana address` }))
        }
        const tree = trees.get(input.tree)
        if (tree === undefined) return yield* fail(new TreeMissing({ tree: input.tree }))
        if (tree.leaves.length >= tree.capacity) return yield* fail(new TreeFull({ tree: input.tree }))
        if (balance < feeLamports) {
          return yield* fail(
            new InsufficientFunds({ account: feePayer, message: "the fee payer cannot pay the fee" })
          )
        }
        const signature =
          Base58.encode(hash32(`sig:${input.mintId}:${++counter}`)) + Base58.encode(hash32(`${counter}`))
        const tx: PendingTransaction = {
          signature,
          tree: input.tree,
          owner: input.owner,
          dataHash: metadataHash(input.metadata),
          uri: input.metadata.uri,
          lastValidBlockHeight: now + blockhashLifetime
        }
        prepared.set(signature, tx)
        wires.set(signature, signature)
        return {
          signature,
          wire: new TextEncoder().encode(signature),
          lastValidBlockHeight: tx.lastValidBlockHeight,
          tree: tx.tree,
          dataHash: tx.dataHash
        } satisfies PreparedMint
      }),

    prepareCollection: (input) =>
      Effect.gen(function* () {
        const now = yield* call("prepareCollection")
        if (input.name.length === 0 || new TextEncoder().encode(input.name).length > 32) {
          return yield* fail(new InvalidRequest({ message: "a collection name is 1 to 32 bytes" }))
        }
        if (balance < feeLamports) {
          return yield* fail(
            new InsufficientFunds({ account: feePayer, message: "the fee payer cannot pay the fee" })
          )
        }
        const n = ++counter
        const mint = address(`collection:${input.name}:${n}`)
        const signature = Base58.encode(hash32(`collection-sig:${n}`)) + Base58.encode(hash32(`${n}`))
        const tx: PendingTransaction = {
          collectionMint: mint,
          signature,
          tree: "",
          owner: feePayer,
          dataHash: "",
          uri: input.uri,
          lastValidBlockHeight: now + blockhashLifetime
        }
        prepared.set(signature, tx)
        wires.set(signature, signature)
        return {
          mint,
          signature,
          wire: new TextEncoder().encode(signature),
          lastValidBlockHeight: tx.lastValidBlockHeight
        } satisfies PreparedCollection
      }),

    send: (wire) =>
      Effect.gen(function* () {
        const now = yield* call("send")
        const signature = new TextDecoder().decode(wire)
        const tx = prepared.get(signature)
        if (tx === undefined)
          return yield* fail(new InvalidRequest({ message: "not a transaction of this chain" }))
        // A duplicate of a known transaction is a no-op, as on a real cluster.
        if (landed.has(signature) || inbound.has(signature)) return
        if (now > tx.lastValidBlockHeight) return yield* fail(new BlockhashNotFound())
        sends++
        if (faults.dropSends > 0) {
          faults.dropSends--
          return
        }
        balance -= feeLamports
        inbound.set(signature, { at: now + faults.delayBlocks, err: faults.failLanding.shift() ?? null })
        yield* settle
      }),

    statuses: (signatures) =>
      Effect.map(call("statuses"), () =>
        signatures.map((signature): SignatureObservation => {
          const l = landed.get(signature)
          if (l === undefined) return { signature, state: "absent" }
          return l.reason === undefined
            ? { signature, state: "landed", slot: l.slot, err: l.err }
            : { signature, state: "landed", slot: l.slot, err: l.err, reason: l.reason }
        })
      ),

    blockHeight: call("blockHeight"),

    mintedLeaf: (signature) =>
      Effect.map(call("mintedLeaf"), () => Option.fromNullishOr(landed.get(signature)?.leaf)),

    scanTree: (treeAddress, after, limit) =>
      Effect.gen(function* () {
        yield* call("scanTree")
        const tree = trees.get(treeAddress)
        // An address with no transactions lists nothing, as getSignaturesForAddress answers.
        if (tree === undefined)
          return { leaves: [], changes: [], checkpoint: after, done: true, signatures: [] }
        const start = after === null ? 0 : tree.signatures.indexOf(after) + 1
        const page = tree.signatures.slice(start, start + limit)
        const leaves = page.flatMap((s) => {
          const leaf = landed.get(s)?.leaf
          return leaf ? [leaf] : []
        })
        return {
          leaves,
          changes: page.flatMap((s) => changes.get(s) ?? []),
          checkpoint: page.at(-1) ?? after,
          done: start + page.length >= tree.signatures.length,
          signatures: page.map((signature): SignatureObservation => {
            const l = landed.get(signature)
            return { signature, state: "landed", slot: l?.slot ?? 0, err: l?.err ?? null }
          })
        }
      }),

    createTree: (input) =>
      Effect.gen(function* () {
        const now = yield* call("createTree")
        const treeAddress = address(`tree:${instance}:${++counter}`)
        const tree: SimulatedTree = {
          depth: input.maxDepth,
          bufferSize: input.maxBufferSize,
          capacity: 2 ** input.maxDepth,
          leaves: [],
          signatures: [],
          nodes: new Map(),
          schemas: new Map(),
          roots: new Map(),
          seq: 0
        }
        trees.set(treeAddress, tree)
        balance -= feeLamports
        // Creating a tree logs its empty start as change 0, as SPL account compression does.
        const signature = address(`create:${treeAddress}`) + address(`${counter}`)
        tree.signatures.push(signature)
        landed.set(signature, { slot: now, err: null, leaf: null })
        writeLeaf(tree, treeAddress, signature, now, 0, null, null)
        return { ...input, address: treeAddress, signature, rentLamports: 0 }
      }),

    observeTrees: (addresses) =>
      Effect.map(call("observeTrees"), (now) => ({
        genesisHash,
        blockHeight: now,
        trees: addresses.map((treeAddress): TreeAccount => {
          const tree = trees.get(treeAddress)
          return tree === undefined
            ? { _tag: "Missing", address: treeAddress }
            : {
                _tag: "Tree",
                address: treeAddress,
                maxDepth: tree.depth,
                maxBufferSize: tree.bufferSize,
                seq: tree.seq - 1,
                roots: new Map(tree.roots)
              }
        })
      })),
    accountsExist: (addresses) =>
      Effect.map(call("accountsExist"), () =>
        addresses.map((a) => trees.has(a) || collections.has(a) || a === feePayer)
      ),

    hashMetadata: (metadata) => Effect.succeed(metadataHash(metadata)),

    info: Effect.map(call("info"), (now) => ({
      kind: "simulated" as const,
      rpcUrl: null,
      genesisHash,
      slot: now,
      blockHeight: now,
      feePayer,
      feePayerLamports: balance
    })),

    rpcCalls: Effect.sync(() => Object.values(calls).reduce((sum, n) => sum + n, 0))
  })

  const control = SimulatedChainControl.of({
    advance: (blocks) =>
      Effect.asVoid(
        Effect.suspend(() => {
          extraBlocks += blocks
          return settle
        })
      ),
    blockHeight: settle,
    dropNextSends: (count) =>
      Effect.sync(() => {
        faults.dropSends = count
      }),
    delayLanding: (blocks) =>
      Effect.sync(() => {
        faults.delayBlocks = blocks
      }),
    failNextLandings: (errors) =>
      Effect.sync(() => {
        faults.failLanding.push(...errors)
      }),
    failNextCalls: (method, reasons) =>
      Effect.sync(() => {
        const queue = faults.callFailures.get(method) ?? []
        queue.push(...reasons)
        faults.callFailures.set(method, queue)
      }),
    removeTree: (treeAddress) =>
      Effect.sync(() => {
        trees.delete(treeAddress)
      }),
    setFeePayerLamports: (lamports) =>
      Effect.sync(() => {
        balance = lamports
      }),
    mintOutOfBand: (treeAddress, owner, metadata) =>
      Effect.gen(function* () {
        const now = yield* settle
        const tree = trees.get(treeAddress)
        if (tree === undefined) return yield* Effect.die(new Error(`unknown tree ${treeAddress}`))
        const signature = address(`out-of-band:${++counter}`) + address(`${counter}`)
        tree.signatures.push(signature)
        const leaf = landLeaf(tree, treeAddress, signature, owner, metadataHash(metadata), metadata.uri, now)
        landed.set(signature, { slot: now, err: null, leaf })
        return leaf
      }),
    leaves: (treeAddress) => Effect.sync(() => [...(trees.get(treeAddress)?.leaves ?? [])]),
    transfer: (assetId, newOwner) =>
      holderChanges(assetId, (schema) => ({ ...schema, owner: newOwner, delegate: newOwner })),
    burn: (assetId) => holderChanges(assetId, () => null),
    restart: (options = {}) =>
      Effect.sync(() => {
        trees.clear()
        changes.clear()
        landed.clear()
        inbound.clear()
        prepared.clear()
        if (options.genesisHash !== undefined) genesisHash = options.genesisHash
      }),
    calls: Effect.sync(() => ({ ...calls })),
    sends: Effect.sync(() => sends)
  })

  return { gateway, control }
})

/** The simulated chain as the ChainGateway, with its control handle for tests. */
export const layer = (options?: SimulatedChainOptions): Layer.Layer<ChainGateway | SimulatedChainControl> =>
  Layer.effectContext(
    Effect.map(make(options), ({ gateway, control }) =>
      Context.make(ChainGateway, gateway).pipe(Context.add(SimulatedChainControl, control))
    )
  )
