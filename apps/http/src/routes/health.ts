import { ChainGateway, MintRepository, TreeRegistry } from "@tickettoken/minting-core"
import { Duration, Effect, Option } from "effect"
import type { Implementations } from "../Routes.ts"

export interface HealthInfo {
  /** How the chain is provided, announced so nobody mistakes a simulation for a cluster. */
  readonly chain: "simulated" | "localnet" | "cluster"
  readonly database: "postgresql" | "pglite" | "memory"
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
  health: () => Effect.succeed({ status: 200, json: { status: "ok", service: "minting-service", ...info } }),

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
      const chainInfo = yield* chain.info.pipe(Effect.timeout(timeout))
      const active = Option.getOrNull(yield* trees.active)
      return {
        status: 200 as const,
        json: {
          status: "ok",
          kind: chainInfo.kind,
          simulated: chainInfo.kind === "simulated",
          // Public: the cluster's host only. Hosted RPC URLs carry API keys in their path or
          // query, and the fee payer's balance tells an attacker when minting will stall.
          rpcHost: hostOnly(chainInfo.rpcUrl),
          slot: chainInfo.slot,
          blockHeight: chainInfo.blockHeight,
          activeTree:
            active === null
              ? null
              : {
                  address: active.address,
                  capacity: active.capacity,
                  minted: active.minted,
                  fill: active.minted / active.capacity
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
