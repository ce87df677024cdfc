/**
 * Keeps a tree with room active, so mints never fail for capacity: when there is none, or the
 * active one passed the rotation threshold, a new tree is created on chain and takes over.
 */
import { DateTime, Effect, Option, Semaphore } from "effect"
import { ChainGateway } from "../ports/ChainGateway.ts"
import { TreeRegistry } from "../ports/TreeRegistry.ts"
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
  yield* Effect.logInfo("tree created and active", { tree: tree.address, capacity: tree.capacity })
  return tree
})

/** The active tree, creating one first when needed. */
export const activeTree = Effect.fn("TreeRotation.activeTree")(function* () {
  const registry = yield* TreeRegistry
  const current = yield* registry.active
  if (Option.isSome(current) && !needsSuccessor(current.value)) return current.value
  return yield* creating.withPermits(1)(
    Effect.gen(function* () {
      const again = yield* registry.active
      if (Option.isSome(again) && !needsSuccessor(again.value)) return again.value
      return yield* createAndActivate()
    })
  )
})
