import type { ChainGateway, LeaderLock, Repositories } from "@tickettoken/minting-core"
import type { ManagedRuntime } from "effect"
import type { Digest, Mac } from "effect/crypto"

/** Everything the routes and the worker run on; main.ts and the tests provide it. */
export type AppServices = Repositories | LeaderLock | ChainGateway | Digest.Digest | Mac.Mac

export type AppRuntime = ManagedRuntime.ManagedRuntime<AppServices, never>
