/**
 * Which chain the reconciler reads, announced at start-up:
 * - SOLANA_RPC_URL set: that cluster (devnet, mainnet, a validator);
 * - else a local devnet answering on 127.0.0.1:LOCALNET_PORT (`pnpm localnet`);
 * - else none: the reconciler refuses to start. Unlike the HTTP app it never starts a chain of
 *   its own: a fresh local devnet or the simulated chain holds none of the mints the database
 *   records, and reconciling against one would only mark them all missing.
 *
 * The reconciler only reads and never signs, so without SOLANA_KEYPAIR the adapter gets a
 * throwaway key; the mint worker's key is not needed here.
 */
import { generateKeyPairSync } from "node:crypto"
import type { ChainGateway } from "@tickettoken/minting-core"
import {
  BubblegumGateway,
  type RpcCallCounter,
  SolanaConfig,
  settingsConfig
} from "@tickettoken/minting-solana"
import { Effect, Layer, Option, Redacted } from "effect"
import type { Environment } from "./Environment.ts"

export type ChainServices = ChainGateway | RpcCallCounter

export interface ChainChoice {
  readonly kind: "cluster" | "localnet"
  readonly layer: Layer.Layer<ChainServices, unknown>
  /** The endpoint's host, never its path or query (providers put API keys there). */
  readonly description: string
}

/** A keypair nobody holds, in SOLANA_KEYPAIR's JSON form, for an adapter that will never sign. */
export const throwawayKeypair = (): Redacted.Redacted<string> => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519")
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url")
  const pub = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url")
  return Redacted.make(JSON.stringify([...seed, ...pub]))
}

/** The gateway on the environment's Solana settings, with `rpcUrl` and the keypair decided here. */
const gatewayOn = (rpcUrl: string, keypair: Option.Option<Redacted.Redacted<string>>) =>
  BubblegumGateway.layer.pipe(
    Layer.provide(
      Layer.effect(
        SolanaConfig,
        Effect.map(settingsConfig, (settings) => ({
          ...settings,
          rpcUrl,
          keypair: Option.getOrElse(keypair, throwawayKeypair)
        }))
      )
    )
  ) as Layer.Layer<ChainServices, unknown>

const answers = async (rpcUrl: string): Promise<boolean> => {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getGenesisHash", params: [] }),
      signal: AbortSignal.timeout(1_000)
    })
    return response.ok
  } catch {
    return false
  }
}

export const hostOf = (rpcUrl: string): string => {
  try {
    return new URL(rpcUrl).host
  } catch {
    return "(unparseable SOLANA_RPC_URL)"
  }
}

export const choose = async (env: Environment): Promise<ChainChoice | string> => {
  if (Option.isSome(env.solanaRpcUrl)) {
    return {
      kind: "cluster",
      layer: gatewayOn(env.solanaRpcUrl.value, env.solanaKeypair),
      description: `Solana RPC at ${hostOf(env.solanaRpcUrl.value)}`
    }
  }
  const local = `http://127.0.0.1:${env.localnetPort}`
  if (await answers(local)) {
    return {
      kind: "localnet",
      layer: gatewayOn(local, env.solanaKeypair),
      description: `local devnet at ${local}`
    }
  }
  return `no chain to reconcile against: set SOLANA_RPC_URL, or run a local devnet (pnpm localnet) on port ${env.localnetPort}`
}
