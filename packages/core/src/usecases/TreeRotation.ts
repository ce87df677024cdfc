/**
 * Keeps a tree with room active, so mints never fail for capacity: when there is none, or the
 * active one passed the rotation threshold, a new tree is created on chain and takes over.
 */
import { DateTime, Duration, Effect, Option, Semaphore } from "effect"
import * as MintMetrics from "../MintMetrics.ts"
import { ChainGateway } from "../ports/ChainGateway.ts"
import { LeaderLock } from "../ports/LeaderLock.ts"
import { TreeRegistry } from "../ports/TreeRegistry.ts"
import { Contention, RepositoryError } from "../RepositoryError.ts"
import { needsSuccessor, Tree } from "../Tree.ts"
import { MintingSettings } from "./MintingSettings.ts"

// One creation at a time in this process; concurrent workers wait and then see the new tree.
const creating = Semaphore.makeUnsafe(1)

export const createAndActivate = Effect.fn("TreeRotation.createAndActivate")(function* () {
  const settings = yield* MintingSettings
  const chain = yield* ChainGateway
  const registry = yield* TreeRegistry
  const created = yield* chain.createTree(settings.tree)
  const tree = new Tree({
    address: created.address,
    maxDepth: created.maxDepth,
    maxBufferSize: created.maxBufferSize,
    canopyDepth: created.canopyDepth,
    capacity: 2 ** created.maxDepth,
    minted: 0,
    status: "active",
    createdAt: yield* DateTime.now
  })
  yield* registry.register(tree)
  // The cluster the trees live on, recorded with the first one: the reconciler refuses to repair
  // anything on a chain with another genesis hash (chain_reset).
  yield* registry.recordGenesis((yield* chain.info).genesisHash)
  yield* Effect.logInfo("tree created and active", { tree: tree.address, capacity: tree.capacity })
  return tree
})

/** The leader lock under which trees are created, retired and declared lost. */
export const lockName = "tree-rotation"
const waitForOther = Duration.millis(500)
const maxWaits = 120

/**
 * The active tree, creating one first when needed. Creation runs under the leader lock, so
 * replicas that find the tree full at the same moment create one tree between them, not one
 * each (a tree costs rent); the others wait for it to appear.
 */
export const activeTree = Effect.fn("TreeRotation.activeTree")(function* () {
  const registry = yield* TreeRegistry
  const current = yield* registry.active
  if (Option.isSome(current) && !needsSuccessor(current.value)) return current.value
  const lock = yield* LeaderLock
  const usable = Effect.map(
    registry.active,
    Option.filter((tree) => !needsSuccessor(tree))
  )
  return yield* creating.withPermits(1)(
    Effect.gen(function* () {
      for (let waits = 0; waits < maxWaits; waits++) {
        const again = yield* usable
        if (Option.isSome(again)) return again.value
        const made = yield* lock.withLock(
          lockName,
          Effect.flatMap(usable, Option.match({ onNone: () => createAndActivate(), onSome: Effect.succeed }))
        )
        if (Option.isSome(made)) return made.value
        yield* Effect.sleep(waitForOther)
      }
      return yield* new RepositoryError({
        reason: new Contention({ message: "another replica holds the tree-rotation lock and made no tree" })
      })
    })
  )
})

/**
 * A tree the chain no longer holds (restarted empty, another cluster behind the same URL): once
 * the chain confirms its account is gone, it is retired under the leader lock (so replicas that
 * meet it together retire it once, with one alert) and the next `activeTree` creates a new one.
 * True when the tree is gone (retired now or before), false when the chain still holds it.
 */
export const replaceMissingTree = Effect.fn("TreeRotation.replaceMissingTree")(function* (address: string) {
  const chain = yield* ChainGateway
  const registry = yield* TreeRegistry
  const lock = yield* LeaderLock
  const retired = Effect.map(
    registry.get(address),
    (tree) => Option.isNone(tree) || tree.value.status === "full" || tree.value.status === "lost"
  )
  return yield* creating.withPermits(1)(
    Effect.gen(function* () {
      if (yield* retired) return true
      const [exists] = yield* chain.accountsExist([address])
      if (exists === true) return false
      for (let waits = 0; waits < maxWaits; waits++) {
        const done = yield* lock.withLock(
          lockName,
          Effect.gen(function* () {
            if (yield* retired) return
            yield* registry.markFull(address)
            yield* MintMetrics.recordAlert("tree_missing")
            yield* Effect.logError("tree missing on chain; retired, a new tree takes over", {
              alert: "tree_missing",
              tree: address
            })
          })
        )
        if (Option.isSome(done) || (yield* retired)) return true
        yield* Effect.sleep(waitForOther)
      }
      return yield* new RepositoryError({
        reason: new Contention({
          message: "another replica holds the tree-rotation lock and retired nothing"
        })
      })
    })
  )
})

/**
 * At start: the active tree must exist on the chain we are talking to. One that does not (a
 * local devnet restarted, a cluster reset) is retired and replaced before any mint is signed.
 */
export const verifyActiveTree = Effect.fn("TreeRotation.verifyActiveTree")(function* () {
  const registry = yield* TreeRegistry
  const current = yield* registry.active
  if (Option.isSome(current)) yield* replaceMissingTree(current.value.address)
  return yield* activeTree()
})
