/**
 * Recovering from a reset cluster, decided as a pure function of what the registry holds and
 * what the chain shows now. The reconciler proves the chain before it repairs, so a managed tree
 * the chain lost stops every pass (`chain_reset`) until an operator says the tree is gone for
 * good. Declaring a tree lost is irreversible (its mints are then judged missing), so the plan
 * refuses any tree the chain still holds as this service's tree, and moves the recorded genesis
 * only once no tree the service still manages is left on the old cluster.
 */
import { Schema } from "effect"
import type { TreeAccount, TreeObservation } from "./ports/ChainGateway.ts"
import { isManaged, type Tree } from "./Tree.ts"

/** A tree the plan declares lost, with what the chain showed of it. */
export interface LostTree {
  readonly address: string
  /** Its status before: `active`, `standby` or `full`. */
  readonly previous: Tree["status"]
  readonly why: string
}

export interface RecoveryPlan {
  /** The genesis hash of the cluster behind the RPC now. */
  readonly clusterGenesis: string
  /** The genesis hash on record (the cluster the trees were made on), null when none is. */
  readonly recordedGenesis: string | null
  /** Trees to declare lost now. */
  readonly lose: ReadonlyArray<LostTree>
  /** Named trees declared lost before: nothing to do for them. */
  readonly alreadyLost: ReadonlyArray<string>
  /** Named trees the plan will not declare lost, each with why (the chain holds it, unknown). */
  readonly refused: ReadonlyArray<{ readonly address: string; readonly why: string }>
  /** The recorded genesis hash and the cluster's, when the plan moves the record. */
  readonly genesis: { readonly from: string; readonly to: string } | null
  /** Why the genesis on record stays although the cluster's differs; null when they agree or it moves. */
  readonly genesisKept: string | null
}

export interface RecoveryInput {
  /** Every tree the registry holds, lost ones included. */
  readonly trees: ReadonlyArray<Tree>
  /** The chain now: its genesis hash, and one account per managed (not lost) tree, in `trees` order. */
  readonly observation: TreeObservation
  /** The genesis hash on record, null when none is. */
  readonly recordedGenesis: string | null
  /** The trees the operator named; empty: every managed tree the chain no longer holds. */
  readonly named: ReadonlyArray<string>
}

/** Why the chain's account shows the tree gone, or null when the chain holds it as ours. */
export const goneBecause = (account: TreeAccount): string | null => {
  switch (account._tag) {
    case "Missing":
      return "no account at its address on this cluster"
    case "Foreign":
      return `the account at its address is not this service's tree: ${account.reason}`
    case "Tree":
      return null
  }
}

export const planRecovery = (input: RecoveryInput): RecoveryPlan => {
  const managed = input.trees.filter(isManaged)
  const accounts = new Map(managed.map((tree, i) => [tree.address, input.observation.trees[i]!]))
  const byAddress = new Map(input.trees.map((tree) => [tree.address, tree]))
  const lose: Array<LostTree> = []
  const alreadyLost: Array<string> = []
  const refused: Array<{ address: string; why: string }> = []

  const candidates = input.named.length === 0 ? managed.map((t) => t.address) : [...new Set(input.named)]
  for (const address of candidates) {
    const tree = byAddress.get(address)
    if (tree === undefined) {
      refused.push({ address, why: "no such tree in the service's database (pnpm tree list)" })
      continue
    }
    if (!isManaged(tree)) {
      alreadyLost.push(address)
      continue
    }
    const why = goneBecause(accounts.get(address)!)
    if (why !== null) lose.push({ address, previous: tree.status, why })
    else if (input.named.length > 0)
      refused.push({ address, why: "the chain still holds it as this service's tree" })
  }

  const current = input.observation.genesisHash
  const recorded = input.recordedGenesis
  const seen = { clusterGenesis: current, recordedGenesis: recorded }
  if (recorded === null || recorded === current)
    return { ...seen, lose, alreadyLost, refused, genesis: null, genesisKept: null }
  const losing = new Set(lose.map((t) => t.address))
  const staying = managed.filter((t) => !losing.has(t.address))
  const unaccounted = staying.filter((t) => goneBecause(accounts.get(t.address)!) !== null)
  const anyLost = losing.size > 0 || input.trees.some((t) => !isManaged(t))
  const genesisKept =
    unaccounted.length > 0
      ? `tree(s) ${unaccounted.map((t) => t.address).join(", ")} of the old cluster are not declared lost`
      : !anyLost
        ? "every managed tree is on this cluster under another genesis hash: a copy of the old cluster, not a reset; nothing is moved"
        : null
  return {
    ...seen,
    lose,
    alreadyLost,
    refused,
    genesis: genesisKept === null ? { from: recorded, to: current } : null,
    genesisKept
  }
}

/** The operator named trees the chain still holds (or that do not exist): nothing was changed. */
export class RecoveryRefused extends Schema.TaggedError<RecoveryRefused>()("RecoveryRefused", {
  message: Schema.String
}) {}

export const refusalOf = (plan: RecoveryPlan): RecoveryRefused | null =>
  plan.refused.length === 0
    ? null
    : new RecoveryRefused({
        message: `refusing to declare lost: ${plan.refused.map((r) => `${r.address} (${r.why})`).join("; ")}; nothing was changed`
      })
