import { DateTime, Effect, Layer, Option } from "effect"
import { TreeRegistry } from "../ports/TreeRegistry.ts"
import { ConstraintViolated, notFound, RepositoryError } from "../RepositoryError.ts"
import { needsSuccessor, Tree, type TreeStatus } from "../Tree.ts"
import { InMemoryStore, type State } from "./InMemoryStore.ts"

const lostTree = (address: string) =>
  new RepositoryError({
    reason: new ConstraintViolated({
      constraint: "trees_lost",
      message: `tree ${address} is lost: the chain no longer holds it`
    })
  })

const withStatus = (tree: Tree, status: TreeStatus) => new Tree({ ...tree, status })

/** Whatever is active now steps aside: full once past the rotation threshold, else standby. */
const demoteActive = (s: State, except: string) => {
  for (const tree of s.trees.values()) {
    if (tree.status === "active" && tree.address !== except) {
      s.trees.set(tree.address, withStatus(tree, needsSuccessor(tree) ? "full" : "standby"))
    }
  }
}

export const make = Effect.gen(function* () {
  const store = yield* InMemoryStore

  const update = (address: string, f: (s: State, tree: Tree) => Tree) =>
    store.use((s) => {
      const tree = s.trees.get(address)
      if (tree === undefined) return Effect.fail(notFound("tree", address))
      s.trees.set(address, f(s, tree))
      return Effect.void
    })

  return TreeRegistry.of({
    register: Effect.fn("InMemoryTreeRegistry.register")((tree: Tree) =>
      store.use((s) => {
        if (s.trees.has(tree.address)) {
          return Effect.fail(
            new RepositoryError({
              reason: new ConstraintViolated({
                constraint: "trees_pkey",
                message: `tree ${tree.address} exists`
              })
            })
          )
        }
        if (tree.status === "active") {
          for (const other of s.trees.values()) {
            if (other.status === "active") s.trees.set(other.address, withStatus(other, "standby"))
          }
        }
        s.trees.set(tree.address, tree)
        return Effect.void
      })
    ),
    active: store.use((s) =>
      Effect.succeed(Option.fromNullishOr([...s.trees.values()].find((t) => t.status === "active")))
    ),
    activate: Effect.fn("InMemoryTreeRegistry.activate")((address: string) =>
      store.use((s) => {
        const tree = s.trees.get(address)
        if (tree === undefined) return Effect.fail(notFound("tree", address))
        if (tree.status === "lost") return Effect.fail(lostTree(address))
        demoteActive(s, address)
        s.trees.set(address, withStatus(tree, "active"))
        return Effect.void
      })
    ),
    markFull: Effect.fn("InMemoryTreeRegistry.markFull")((address: string) =>
      update(address, (_, tree) => (tree.status === "lost" ? tree : withStatus(tree, "full")))
    ),
    markLost: Effect.fn("InMemoryTreeRegistry.markLost")((address: string) =>
      update(address, (_, tree) => withStatus(tree, "lost"))
    ),
    recordMinted: Effect.fn("InMemoryTreeRegistry.recordMinted")((address: string, count = 1) =>
      update(address, (_, tree) => new Tree({ ...tree, minted: tree.minted + count }))
    ),
    get: Effect.fn("InMemoryTreeRegistry.get")((address: string) =>
      store.use((s) => Effect.succeed(Option.fromNullishOr(s.trees.get(address))))
    ),
    list: store.use((s) =>
      Effect.succeed(
        [...s.trees.values()].sort(
          (a, b) =>
            DateTime.toEpochMillis(a.createdAt) - DateTime.toEpochMillis(b.createdAt) ||
            (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)
        )
      )
    ),
    checkpoint: Effect.fn("InMemoryTreeRegistry.checkpoint")((address: string) =>
      store.use((s) => Effect.succeed(Option.fromNullishOr(s.checkpoints.get(address))))
    ),
    saveCheckpoint: Effect.fn("InMemoryTreeRegistry.saveCheckpoint")((address: string, signature: string) =>
      store.use((s) => {
        if (!s.trees.has(address)) return Effect.fail(notFound("tree", address))
        s.checkpoints.set(address, signature)
        return Effect.void
      })
    ),
    recordGenesis: Effect.fn("InMemoryTreeRegistry.recordGenesis")((genesisHash: string) =>
      store.use((s) => {
        if (!s.genesis.has("genesis")) s.genesis.set("genesis", genesisHash)
        return Effect.succeed(s.genesis.get("genesis")!)
      })
    ),
    genesis: store.use((s) => Effect.succeed(Option.fromNullishOr(s.genesis.get("genesis")))),
    moveGenesis: Effect.fn("InMemoryTreeRegistry.moveGenesis")(function* (from: string, to: string) {
      const now = yield* DateTime.now
      return yield* store.use((s) => {
        const current = s.genesis.get("genesis")
        if (current === undefined) s.genesis.set("genesis", to)
        else if (current === from && from !== to) {
          s.genesisReplaced.push({ genesisHash: from, replacedAt: now })
          s.genesis.set("genesis", to)
        }
        return Effect.succeed(s.genesis.get("genesis")!)
      })
    })
  })
})

export const layer: Layer.Layer<TreeRegistry, never, InMemoryStore> = Layer.effect(TreeRegistry, make)
