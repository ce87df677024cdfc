/**
 * The operator's way out of a chain reset (`pnpm tree lost`): trees the chain no longer holds
 * are declared lost, their replicas dropped, the recorded genesis moved to the cluster's when no
 * managed tree is left on the old one, and the `chain_reset` findings this settles resolved by
 * the operator. The reconciler's next pass then proves the trees that remain and judges again:
 * mints whose leaves were in a lost tree are reported missing (the chain no longer has them) and
 * minted again only by an operator's retry.
 *
 * Applying runs under the worker's tree-rotation lock (no tree is created or retired meanwhile)
 * and the reconciler's lock (no pass that began before sees the old trees and re-opens what the
 * operator resolved), and the chain is read under them, so the plan applied is the one shown.
 */
import { DateTime, Effect, Option } from "effect"
import { planRecovery, type RecoveryPlan, refusalOf } from "../ChainReset.ts"
import type { OpenFinding } from "../OpenFinding.ts"
import { ChainGateway } from "../ports/ChainGateway.ts"
import { FindingRepository } from "../ports/FindingRepository.ts"
import { LeaderLock } from "../ports/LeaderLock.ts"
import { ReplicaRepository } from "../ports/ReplicaRepository.ts"
import { Transactor } from "../ports/Transactor.ts"
import { TreeRegistry } from "../ports/TreeRegistry.ts"
import { Contention, RepositoryError } from "../RepositoryError.ts"
import { isManaged } from "../Tree.ts"
import * as TreeRotation from "./TreeRotation.ts"

export interface DeclareTreesLostInput {
  /** Trees the operator named; empty: every managed tree the chain no longer holds. */
  readonly addresses: ReadonlyArray<string>
  /** False: only the plan, nothing written. */
  readonly apply: boolean
  /** Who resolves the findings (`operator:<by>`). */
  readonly by: string
  /** The reconciler's leader lock (RECONCILE_LOCK_NAME). */
  readonly reconcilerLock: string
  /** How often to try the two locks, a second apart, before giving up (default 30). */
  readonly lockAttempts?: number
}

export interface DeclareTreesLostResult {
  readonly plan: RecoveryPlan
  readonly applied: boolean
  /** The ids of the chain_reset findings resolved by the operator. */
  readonly resolved: ReadonlyArray<string>
}

/** The recovery the chain allows now, or its refusal (a named tree the chain still holds, ...). */
const plan = Effect.fnUntraced(function* (addresses: ReadonlyArray<string>) {
  const registry = yield* TreeRegistry
  const chain = yield* ChainGateway
  const trees = yield* registry.list
  // The genesis and every managed tree's account in one batch: one view of the chain.
  const observation = yield* chain.observeTrees(trees.filter(isManaged).map((t) => t.address))
  const recovery = planRecovery({
    trees,
    observation,
    recordedGenesis: Option.getOrNull(yield* registry.genesis),
    named: addresses
  })
  const refused = refusalOf(recovery)
  if (refused !== null) return yield* refused
  return recovery
})

/** The open chain_reset findings the recovery settles: a lost tree's, and the genesis one once it moved. */
const settled = Effect.fnUntraced(function* (lost: ReadonlySet<string>, genesisMoved: boolean) {
  const findings = yield* FindingRepository
  const out: Array<OpenFinding> = []
  let cursor: string | undefined
  do {
    const page = yield* findings.list({ state: "open", reason: "chain_reset", limit: 100, cursor })
    for (const f of page.items) {
      const tree = f.finding.tree
      if (tree === undefined ? genesisMoved : lost.has(tree)) out.push(f)
    }
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return out
})

const applyPlan = Effect.fnUntraced(function* (recovery: RecoveryPlan, by: string) {
  const registry = yield* TreeRegistry
  const replica = yield* ReplicaRepository
  const findings = yield* FindingRepository
  const transactor = yield* Transactor
  const now = yield* DateTime.now
  return yield* transactor.withTransaction(
    Effect.gen(function* () {
      for (const tree of recovery.lose) {
        yield* registry.markLost(tree.address)
        // Its leaves are gone from the chain: judged as the replica holds them, they would pass.
        yield* replica.reset(tree.address)
      }
      const moved =
        recovery.genesis !== null &&
        (yield* registry.moveGenesis(recovery.genesis.from, recovery.genesis.to)) === recovery.genesis.to
      const lost = new Set((yield* registry.list).filter((t) => !isManaged(t)).map((t) => t.address))
      const resolved = yield* settled(lost, moved)
      for (const f of resolved) yield* findings.resolve(f.id, `operator:${by}`, now)
      return resolved.map((f) => f.id)
    })
  )
})

export const declareTreesLost = Effect.fn("DeclareTreesLost")(function* (input: DeclareTreesLostInput) {
  if (!input.apply) {
    return {
      plan: yield* plan(input.addresses),
      applied: false,
      resolved: []
    } satisfies DeclareTreesLostResult
  }
  const lock = yield* LeaderLock
  const underLocks = Effect.gen(function* () {
    const recovery = yield* plan(input.addresses)
    const resolved = yield* applyPlan(recovery, input.by)
    for (const tree of recovery.lose) {
      yield* Effect.logWarning("tree declared lost by an operator", {
        tree: tree.address,
        why: tree.why,
        by: input.by
      })
    }
    if (recovery.genesis !== null) {
      yield* Effect.logWarning("genesis on record moved by an operator", {
        ...recovery.genesis,
        by: input.by
      })
    }
    return { plan: recovery, applied: true, resolved } satisfies DeclareTreesLostResult
  })
  const attempts = input.lockAttempts ?? 30
  for (let attempt = 0; attempt < attempts; attempt++) {
    const done = yield* lock.withLock(TreeRotation.lockName, lock.withLock(input.reconcilerLock, underLocks))
    if (Option.isSome(done) && Option.isSome(done.value)) return done.value.value
    yield* Effect.sleep("1 second")
  }
  return yield* new RepositoryError({
    reason: new Contention({
      message: `the tree-rotation or the reconciler's lock stayed held for ${attempts} s (a tree being created, or a pass running); try again`
    })
  })
})
