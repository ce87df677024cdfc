/**
 * Keeping a tree's replica: every transaction that touched the tree since the replica's
 * checkpoint is read once, its change logs applied in sequence order (each one checked against
 * the siblings the replica holds), and the leaves it wrote kept with their current state. A
 * page is stored whole or not at all, with the checkpoint after the last transaction whose
 * changes are all applied, so a pass that dies resumes where the last stored page ended.
 *
 * A gap in sequence numbers leaves the checkpoint before the transaction that showed it (the
 * next pass reads it again); a path the replica's siblings cannot produce means the stored
 * replica is wrong, and it is forgotten so the next pass rebuilds the tree from its start.
 */
import { Effect, Fiber } from "effect"
import * as Base58 from "../Base58.ts"
import { ChainGateway, type TreeChange } from "../ports/ChainGateway.ts"
import { ReplicaRepository } from "../ports/ReplicaRepository.ts"
import type { SignatureObservation } from "../Reconciliation.ts"
import { type Finding, replicaIncomplete } from "../Reconciliation.ts"
import { ReplicaLeaf, ticketIdOfUri } from "../ReplicaLeaf.ts"
import type { Tree } from "../Tree.ts"
import * as TreeReplica from "../TreeReplica.ts"

export interface SyncResult {
  readonly tree: string
  /** Changes applied by this sync. */
  readonly applied: number
  /** Why the replica could not be brought up to the chain's listing, if it could not. */
  readonly problem: Finding | null
}

const hashText = (hash: Uint8Array) => Base58.encode(hash)

/** The leaf after a change, or undefined for a change that leaves no leaf (the tree's empty start). */
export const leafAfter = (
  tree: string,
  previous: ReplicaLeaf | undefined,
  change: TreeChange
): ReplicaLeaf | undefined => {
  const hash = change.change.path[0]!
  const common = {
    tree,
    leafIndex: change.change.leafIndex,
    lastSignature: change.signature,
    lastSeq: change.change.seq
  }
  const schema = change.leaf
  if (schema !== null && believed(schema, hash)) {
    const minted = previous === undefined || previous.mintedSignature === null
    return new ReplicaLeaf({
      ...common,
      leafHash: hashText(hash),
      state: "live",
      assetId: schema.assetId,
      owner: schema.owner,
      delegate: schema.delegate,
      nonce: schema.nonce,
      dataHash: schema.dataHash,
      creatorHash: schema.creatorHash,
      mintedSignature: minted ? change.signature : previous.mintedSignature,
      mintedSlot: minted ? change.slot : previous.mintedSlot,
      mintedOwner: minted ? schema.owner : previous.mintedOwner,
      mintedDataHash: minted ? schema.dataHash : previous.mintedDataHash,
      mintedCreatorHash: minted ? schema.creatorHash : previous.mintedCreatorHash,
      mintedUri: minted ? change.mintedUri : previous.mintedUri,
      ticketId: minted ? ticketIdOfUri(change.mintedUri) : previous.ticketId
    })
  }
  if (TreeReplica.isEmptyLeaf(hash)) {
    return previous === undefined
      ? undefined
      : new ReplicaLeaf({ ...previous, ...common, leafHash: hashText(hash), state: "burned" })
  }
  const base = previous ?? {
    assetId: null,
    owner: null,
    delegate: null,
    nonce: null,
    dataHash: null,
    creatorHash: null,
    mintedSignature: null,
    mintedSlot: null,
    mintedOwner: null,
    mintedDataHash: null,
    mintedCreatorHash: null,
    mintedUri: null,
    ticketId: null
  }
  return new ReplicaLeaf({ ...base, ...common, leafHash: hashText(hash), state: "unknown" })
}

/** A leaf event is believed only when its fields hash to the leaf the change log wrote. */
const believed = (schema: NonNullable<TreeChange["leaf"]>, hash: Uint8Array): boolean => {
  try {
    return TreeReplica.equalHashes(TreeReplica.leafHash(schema), hash)
  } catch {
    return false
  }
}

/**
 * Brings one tree's replica up to the chain's listing. `listed` receives every signature the
 * listing showed, with its status, for the judgement to use without reading them again.
 */
export const syncTree = Effect.fn("ReplicaSync.syncTree")(function* (
  tree: Tree,
  batchSize: number,
  listed: Map<string, SignatureObservation>
) {
  const chain = yield* ChainGateway
  const replica = yield* ReplicaRepository
  const depth = tree.maxDepth
  let state = yield* replica.state(tree.address)
  let applied = 0
  let next = yield* Effect.forkChild(chain.scanTree(tree.address, state.checkpoint, batchSize))
  while (true) {
    const page = yield* Fiber.join(next)
    // Read ahead: the next page's transactions are fetched while this one is applied and stored
    // (the RPC's time overlaps the pass's own). Dropped if this page stops short of its end.
    const ahead = !page.done && page.checkpoint !== null && page.checkpoint !== state.checkpoint
    if (ahead) next = yield* Effect.forkChild(chain.scanTree(tree.address, page.checkpoint, batchSize))
    const stop = (result: SyncResult) => Effect.as(ahead ? Fiber.interrupt(next) : Effect.void, result)
    const order = (page.signatures ?? []).map((s) => s.signature)
    for (const observed of page.signatures ?? []) listed.set(observed.signature, observed)
    const changes = page.changes
      .filter((c) => c.change.tree === tree.address && (state.seq === null || c.change.seq > state.seq))
      .sort((a, b) => a.change.seq - b.change.seq)

    const siblings = new Set<number>()
    const leafIndexes = new Set<number>()
    for (const c of changes) {
      for (const index of TreeReplica.siblingIndexes(depth, c.change.leafIndex)) siblings.add(index)
      leafIndexes.add(c.change.leafIndex)
    }
    const nodes = new Map(yield* replica.nodes(tree.address, [...siblings]))
    const leaves = new Map(yield* replica.leaves(tree.address, [...leafIndexes]))
    const written = new Map<number, Uint8Array>()
    const touched = new Map<number, ReplicaLeaf>()
    let seq = state.seq
    let rootBytes: Uint8Array | undefined
    let problem: Finding | null = null
    let stopAt: string | undefined

    for (const c of changes) {
      const expected = seq === null ? 0 : seq + 1
      if (c.change.seq !== expected) {
        problem = replicaIncomplete(
          tree.address,
          `tree ${tree.address}: change ${c.change.seq} follows ${seq ?? "nothing"}; changes ${expected} to ${c.change.seq - 1} were not listed (they are read again next pass)`
        )
        stopAt = c.signature
        break
      }
      const result = TreeReplica.applyChange(
        depth,
        (index) => written.get(index) ?? nodes.get(index),
        c.change
      )
      if (result._tag !== "Applied") {
        const why =
          result._tag === "Malformed"
            ? result.reason
            : `level ${result.level} is ${hashText(result.expected)} on chain, ${hashText(result.computed)} from the replica's nodes`
        problem = replicaIncomplete(
          tree.address,
          `tree ${tree.address}: change ${c.change.seq} (leaf ${c.change.leafIndex}) disagrees with the replica: ${why}; the replica is rebuilt from the tree's start`
        )
        yield* replica.reset(tree.address)
        return yield* stop({ tree: tree.address, applied, problem })
      }
      for (const [index, hash] of result.writes) written.set(index, hash)
      const leaf = leafAfter(
        tree.address,
        touched.get(c.change.leafIndex) ?? leaves.get(c.change.leafIndex),
        c
      )
      if (leaf !== undefined) touched.set(c.change.leafIndex, leaf)
      seq = c.change.seq
      rootBytes = result.root
      applied++
    }

    const root = rootBytes === undefined ? state.root : hashText(rootBytes)
    // The checkpoint: past the whole page, or only up to the transaction before the gap.
    let checkpoint = page.checkpoint
    if (stopAt !== undefined) {
      const at = order.indexOf(stopAt)
      checkpoint = at > 0 ? order[at - 1]! : state.checkpoint
      // Changes of transactions at or after the gap were not applied; neither are their leaves.
    }
    const moved = checkpoint !== state.checkpoint || seq !== state.seq
    if (moved) {
      yield* replica.apply(tree.address, {
        seq,
        root,
        checkpoint,
        nodes: [...written],
        leaves: [...touched.values()]
      })
      state = { tree: tree.address, seq, root, checkpoint }
    }
    if (problem !== null) return yield* stop({ tree: tree.address, applied, problem })
    if (page.done || !moved || checkpoint !== page.checkpoint) {
      return yield* stop({ tree: tree.address, applied, problem: null })
    }
  }
})
