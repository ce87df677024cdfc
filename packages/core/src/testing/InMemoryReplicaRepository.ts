import { Effect, Layer, Option } from "effect"
import type { Page } from "../Page.ts"
import {
  type LeafQuery,
  ReplicaRepository,
  type ReplicaState,
  type ReplicaUpdate
} from "../ports/ReplicaRepository.ts"
import type { ReplicaLeaf } from "../ReplicaLeaf.ts"
import type { Hash } from "../TreeReplica.ts"
import { InMemoryStore } from "./InMemoryStore.ts"

const emptyState = (tree: string): ReplicaState => ({ tree, seq: null, root: null, checkpoint: null })

/** Leaf order and cursor: the tree, then the index, zero-padded so text order is number order. */
const leafKey = (leaf: ReplicaLeaf) => `${leaf.tree}:${String(leaf.leafIndex).padStart(10, "0")}`

export const make = Effect.gen(function* () {
  const store = yield* InMemoryStore
  return ReplicaRepository.of({
    state: Effect.fn("InMemoryReplicaRepository.state")((tree: string) =>
      store.use((s) => Effect.succeed(s.replicas.get(tree) ?? emptyState(tree)))
    ),
    nodes: Effect.fn("InMemoryReplicaRepository.nodes")((tree: string, indexes: ReadonlyArray<number>) =>
      store.use((s) => {
        const out = new Map<number, Hash>()
        for (const index of indexes) {
          const node = s.replicaNodes.get(`${tree}:${index}`)
          if (node !== undefined) out.set(index, node)
        }
        return Effect.succeed(out as ReadonlyMap<number, Hash>)
      })
    ),
    leaves: Effect.fn("InMemoryReplicaRepository.leaves")((tree: string, indexes: ReadonlyArray<number>) =>
      store.use((s) => {
        const out = new Map<number, ReplicaLeaf>()
        for (const index of indexes) {
          const leaf = s.replicaLeaves.get(`${tree}:${index}`)
          if (leaf !== undefined) out.set(index, leaf)
        }
        return Effect.succeed(out as ReadonlyMap<number, ReplicaLeaf>)
      })
    ),
    apply: Effect.fn("InMemoryReplicaRepository.apply")((tree: string, update: ReplicaUpdate) =>
      store.transaction(
        store.use((s) => {
          for (const [index, hash] of update.nodes) s.replicaNodes.set(`${tree}:${index}`, hash)
          for (const leaf of update.leaves) s.replicaLeaves.set(`${tree}:${leaf.leafIndex}`, leaf)
          s.replicas.set(tree, { tree, seq: update.seq, root: update.root, checkpoint: update.checkpoint })
          return Effect.void
        })
      )
    ),
    reset: Effect.fn("InMemoryReplicaRepository.reset")((tree: string) =>
      store.use((s) => {
        const prefix = `${tree}:`
        for (const key of [...s.replicaNodes.keys()]) if (key.startsWith(prefix)) s.replicaNodes.delete(key)
        for (const key of [...s.replicaLeaves.keys()]) if (key.startsWith(prefix)) s.replicaLeaves.delete(key)
        s.replicas.delete(tree)
        return Effect.void
      })
    ),
    find: Effect.fn("InMemoryReplicaRepository.find")((query: LeafQuery) =>
      store.use((s) => {
        const signatures = new Set(query.signatures ?? [])
        const assetIds = new Set(query.assetIds ?? [])
        const ticketIds = new Set(query.ticketIds ?? [])
        return Effect.succeed(
          [...s.replicaLeaves.values()].filter(
            (leaf) =>
              (leaf.mintedSignature !== null && signatures.has(leaf.mintedSignature)) ||
              (leaf.assetId !== null && assetIds.has(leaf.assetId)) ||
              (leaf.ticketId !== null && ticketIds.has(leaf.ticketId))
          )
        )
      })
    ),
    findByAssetId: Effect.fn("InMemoryReplicaRepository.findByAssetId")((assetId: string) =>
      store.use((s) =>
        Effect.succeed(Option.fromNullishOr([...s.replicaLeaves.values()].find((l) => l.assetId === assetId)))
      )
    ),
    countLeaves: Effect.fn("InMemoryReplicaRepository.countLeaves")(() =>
      store.use((s) => Effect.succeed(s.replicaLeaves.size))
    ),
    scan: Effect.fn("InMemoryReplicaRepository.scan")((cursor: string | null, limit: number) =>
      store.use((s) => {
        const all = [...s.replicaLeaves.values()]
          .filter((leaf) => cursor === null || leafKey(leaf) > cursor)
          .sort((a, b) => (leafKey(a) < leafKey(b) ? -1 : 1))
        const items = all.slice(0, Math.max(0, limit))
        const last = items.at(-1)
        const page: Page<ReplicaLeaf> = {
          items,
          nextCursor: all.length > items.length && last !== undefined ? leafKey(last) : null
        }
        return Effect.succeed(page)
      })
    )
  })
})

export const layer: Layer.Layer<ReplicaRepository, never, InMemoryStore> = Layer.effect(
  ReplicaRepository,
  make
)
