import { ChainGateway, fill, MintRepository, TreeRegistry } from "@tickettoken/minting-core"
import { Duration, Effect, Option } from "effect"
import { Hono } from "hono"
import { type HandlerContext, handler } from "../Handler.ts"

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
  /** The genesis hash the service started on (null: unknown): another one means a different chain. */
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

export const healthRoutes = (ctx: HandlerContext, info: HealthInfo) =>
  new Hono()
    .get(
      "/",
      handler(ctx, "public", () =>
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
        })
      )
    )
    .get(
      "/db",
      handler(ctx, "public", () =>
        Effect.gen(function* () {
          const mints = yield* MintRepository
          yield* mints.get("00000000-0000-0000-0000-000000000000").pipe(Effect.timeout(timeout))
          return {
            status: 200,
            json: { status: "ok", database: "connected", kind: info.database, service: "minting-service" }
          }
        }).pipe(
          Effect.catchCause(() =>
            Effect.succeed({
              status: 503,
              json: {
                status: "error",
                database: "disconnected",
                kind: info.database,
                service: "minting-service"
              }
            })
          )
        )
      )
    )
    .get(
      "/chain",
      handler(ctx, "public", () =>
        Effect.gen(function* () {
          const chain = yield* ChainGateway
          const trees = yield* TreeRegistry
          const checks = info.chainChecks ?? defaultChecks
          const chainInfo = yield* chain.info.pipe(Effect.timeout(timeout))
          const active = Option.getOrNull(yield* trees.active)
          const [treeExists] =
            active === null
              ? [true]
              : yield* chain.accountsExist([active.address]).pipe(Effect.timeout(timeout))
          const problems: Array<{ readonly reason: string; readonly message: string }> = []
          const payable = Math.floor(chainInfo.feePayerLamports / Math.max(1, checks.mintCostLamports))
          if (payable < checks.feePayerMinMints)
            problems.push({
              reason: "fee_payer_low",
              message: `the fee payer can pay for about ${payable} more mints; at least ${checks.feePayerMinMints} wanted`
            })
          if (active !== null && treeExists === false)
            problems.push({
              reason: "active_tree_missing",
              message: `the active tree ${active.address} does not exist on this chain`
            })
          if (active !== null && fill(active) > TREE_FILL_WARNING)
            problems.push({
              reason: "active_tree_nearly_full",
              message: `the active tree is ${Math.round(fill(active) * 100)}% full`
            })
          const expected = checks.genesisHash()
          if (expected !== null && expected !== chainInfo.genesisHash)
            problems.push({
              reason: "genesis_changed",
              message: `the chain's genesis hash is ${chainInfo.genesisHash}, not ${expected} as at start: a different or reset chain`
            })
          return {
            status: 200,
            json: {
              status: problems.length === 0 ? "ok" : "degraded",
              problems,
              kind: chainInfo.kind,
              simulated: chainInfo.kind === "simulated",
              // Scheme and host only: a provider's key in the path or query never leaves the service.
              rpcUrl: chainInfo.rpcUrl,
              genesisHash: chainInfo.genesisHash,
              slot: chainInfo.slot,
              blockHeight: chainInfo.blockHeight,
              feePayer: chainInfo.feePayer,
              feePayerLamports: chainInfo.feePayerLamports,
              feePayerMintsLeft: payable,
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
            Effect.succeed({ status: 503, json: { status: "error", kind: info.chain, chain: "unreachable" } })
          )
        )
      )
    )
