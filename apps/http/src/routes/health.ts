/**
 * Health: liveness with the worker's progress, the database, and a /health/chain that tells the
 * truth (fee payer, active tree, the cluster's identity, and a chain_reset the reconciler found),
 * each problem with its reason. Public: the cluster's host only, never its URL, the fee payer or
 * its balance.
 */
import {
  ChainGateway,
  FindingRepository,
  fill,
  MintRepository,
  TreeRegistry
} from "@tickettoken/minting-core"
import { Duration, Effect, Option } from "effect"
import type { Implementations } from "../Routes.ts"

export interface HealthInfo {
  /** How the chain is provided, announced so nobody mistakes a simulation for a cluster. */
  readonly chain: "simulated" | "localnet" | "cluster"
  readonly database: "postgresql" | "pglite" | "memory"
  /** The mint worker's progress (WorkerLoop.health); absent when the worker is off. */
  readonly worker?: (() => WorkerHealthView) | undefined
  /** What /health/chain holds the chain to. */
  readonly chainChecks?: ChainChecks | undefined
}

export interface WorkerHealthView {
  readonly status: "ok" | "degraded"
  readonly reason?: string | undefined
  readonly stalledForMs?: number | undefined
  readonly inFlight: number
}

export interface ChainChecks {
  /** Degraded when the fee payer cannot pay for this many more mints (FEE_PAYER_MIN_MINTS). */
  readonly feePayerMinMints: number
  /** What one mint costs the fee payer, in lamports (MINT_COST_LAMPORTS). */
  readonly mintCostLamports: number
  /**
   * The genesis hash the service started on (null: unknown): another one means a different chain.
   * Only consulted while no genesis is on record (TreeRegistry.genesis), which is what counts.
   */
  readonly genesisHash: () => string | null
}

/** Past this fill the active tree is reported (rotation starts at 95%). */
export const TREE_FILL_WARNING = 0.9

const defaultChecks: ChainChecks = {
  feePayerMinMints: 1_000,
  mintCostLamports: 5_000,
  genesisHash: () => null
}

const timeout = Duration.seconds(2)

/** `host[:port]` of an RPC URL, without credentials, path or query; null when there is none. */
export const hostOnly = (rpcUrl: string | null): string | null => {
  if (rpcUrl === null) return null
  try {
    return new URL(rpcUrl).host || null
  } catch {
    return null
  }
}

export const healthRoutes = (
  info: HealthInfo
): Pick<Implementations, "health" | "healthDb" | "healthChain"> => ({
  health: () =>
    Effect.sync(() => {
      const worker = info.worker?.() ?? null
      return {
        status: 200,
        json: {
          // Degraded, not down: the API still takes tickets while the worker cannot mint them.
          status: worker?.status ?? "ok",
          service: "minting-service",
          chain: info.chain,
          database: info.database,
          worker: worker ?? { status: "off" }
        }
      }
    }),

  healthDb: () =>
    Effect.gen(function* () {
      const mints = yield* MintRepository
      yield* mints.get("00000000-0000-0000-0000-000000000000").pipe(Effect.timeout(timeout))
      return {
        status: 200 as const,
        json: { status: "ok", database: "connected", kind: info.database, service: "minting-service" }
      }
    }).pipe(
      Effect.catchCause(() =>
        Effect.succeed({
          status: 503 as const,
          json: { status: "error", database: "disconnected", kind: info.database, service: "minting-service" }
        })
      )
    ),

  healthChain: () =>
    Effect.gen(function* () {
      const chain = yield* ChainGateway
      const trees = yield* TreeRegistry
      const findings = yield* FindingRepository
      const checks = info.chainChecks ?? defaultChecks
      const chainInfo = yield* chain.info.pipe(Effect.timeout(timeout))
      const active = Option.getOrNull(yield* trees.active)
      const [treeExists] =
        active === null ? [true] : yield* chain.accountsExist([active.address]).pipe(Effect.timeout(timeout))
      const problems: Array<{ readonly reason: string; readonly message: string }> = []
      const payable = Math.floor(chainInfo.feePayerLamports / Math.max(1, checks.mintCostLamports))
      if (payable < checks.feePayerMinMints) {
        problems.push({
          reason: "fee_payer_low",
          message: `the fee payer cannot pay for ${checks.feePayerMinMints} more mints`
        })
      }
      if (active !== null && treeExists === false) {
        problems.push({
          reason: "active_tree_missing",
          message: `the active tree ${active.address} does not exist on this chain`
        })
      }
      if (active !== null && fill(active) > TREE_FILL_WARNING) {
        problems.push({
          reason: "active_tree_nearly_full",
          message: `the active tree is ${Math.round(fill(active) * 100)}% full`
        })
      }
      // The cluster the trees were made on, else (nothing on record yet) the one at start. The
      // record moves only when an operator confirms a reset (`pnpm tree lost --apply`): until
      // then a reset cluster is reported, and once recovered it no longer is.
      const expected =
        Option.getOrNull(yield* trees.genesis.pipe(Effect.timeout(timeout))) ?? checks.genesisHash()
      if (expected !== null && expected !== chainInfo.genesisHash) {
        problems.push({
          reason: "genesis_changed",
          message: `the chain's genesis hash is not the one the service's trees were made on: a different or reset chain (check SOLANA_RPC_URL; an operator recovers from a reset with pnpm tree lost)`
        })
      }
      // The reconciler's word: a different cluster, or a managed tree gone (see its README).
      const reset = (yield* findings.openCounts.pipe(Effect.timeout(timeout))).chain_reset
      if (reset > 0) {
        problems.push({
          reason: "chain_reset",
          message: `the reconciler found the cluster changed or a managed tree gone (${reset} open chain_reset findings); it judges and repairs nothing until an operator recovers (pnpm tree lost)`
        })
      }
      return {
        status: 200 as const,
        json: {
          status: problems.length === 0 ? "ok" : "degraded",
          problems,
          kind: chainInfo.kind,
          simulated: chainInfo.kind === "simulated",
          // Public: the cluster's host only. Hosted RPC URLs carry API keys in their path or
          // query, and the fee payer's balance tells an attacker when minting will stall.
          rpcHost: hostOnly(chainInfo.rpcUrl),
          genesisHash: chainInfo.genesisHash,
          slot: chainInfo.slot,
          blockHeight: chainInfo.blockHeight,
          activeTree:
            active === null
              ? null
              : {
                  address: active.address,
                  capacity: active.capacity,
                  minted: active.minted,
                  fill: fill(active),
                  exists: treeExists !== false
                }
        }
      }
    }).pipe(
      Effect.catchCause(() =>
        Effect.succeed({
          status: 503 as const,
          json: { status: "error", kind: info.chain, chain: "unreachable" }
        })
      )
    )
})
