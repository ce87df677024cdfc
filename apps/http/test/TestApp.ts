/** The app over the in-memory layers and the simulated chain, called with app.request(): no port, no server. */
import { createHmac } from "node:crypto"
import { ChainGateway, ChainMetrics, MintingSettings } from "@tickettoken/minting-core"
import { InternalAuth } from "@tickettoken/minting-core/client"
import { InMemoryLeaderLock, layerInMemory, SimulatedChain } from "@tickettoken/minting-core/testing"
import * as Postgres from "@tickettoken/minting-postgres"
import { Context, DateTime, Effect, Layer, Logger, ManagedRuntime, Redacted } from "effect"
import { Digest, Mac, SecureRandom } from "effect/crypto"
import { makeApp } from "../src/App.ts"

export const secret = "test-internal-secret"
export const jwtSecret = "test-jwt-secret"

export const crypto = Layer.mergeAll(
  Digest.layerWebCrypto,
  Mac.layerWebCrypto.pipe(Layer.provide(SecureRandom.layerWebCrypto))
)

export interface TestAppOptions {
  /** Run on this PostgreSQL database (migrated here) instead of the in-memory adapters. */
  readonly postgresUrl?: Redacted.Redacted

  readonly publicBaseUrl?: string
  /** Receives every log line (level and message) the app's runtime writes. */
  readonly logs?: Array<{ readonly level: string; readonly message: string }>
  /** What the chain reports as its RPC URL (the simulated chain has none). */
  readonly rpcUrl?: string
  readonly jwtAudience?: string
  readonly jwtIssuer?: string
}

/** The simulated chain, reporting `rpcUrl` as a cluster would when one is given. */
const chainLayer = (rpcUrl: string | undefined) =>
  rpcUrl === undefined
    ? SimulatedChain.layer()
    : Layer.effectContext(
        Effect.gen(function* () {
          const context = yield* Layer.build(SimulatedChain.layer())
          const chain = Context.get(context, ChainGateway)
          return Context.add(
            context,
            ChainGateway,
            ChainGateway.of({ ...chain, info: Effect.map(chain.info, (info) => ({ ...info, rpcUrl })) })
          )
        })
      )

export const makeTestApp = (options: TestAppOptions = {}) => {
  const repositories =
    options.postgresUrl === undefined
      ? layerInMemory
      : Layer.orDie(Postgres.layer({ url: options.postgresUrl, maxConnections: 8 }))
  const layer = Layer.mergeAll(
    repositories,
    InMemoryLeaderLock.layer,
    Layer.provideMerge(ChainMetrics.layer, chainLayer(options.rpcUrl)),
    crypto
  ).pipe(
    Layer.provideMerge(
      Layer.succeed(MintingSettings, {
        ...MintingSettings.defaultValue(),
        publicBaseUrl: options.publicBaseUrl ?? "https://mint.test"
      })
    )
  )
  const logs = options.logs
  const logging =
    logs === undefined
      ? Layer.empty
      : Logger.layer([
          Logger.make((line) => {
            logs.push({ level: line.logLevel, message: String(line.message) })
          })
        ])
  const runtime = ManagedRuntime.make(Layer.merge(layer, logging))
  const app = makeApp(runtime, {
    auth: {
      internalSecrets: [Redacted.make("old-secret"), Redacted.make(secret)],
      jwtSecret: Redacted.make(jwtSecret),
      jwtAudience: options.jwtAudience ?? null,
      jwtIssuer: options.jwtIssuer ?? null
    },
    health: { chain: "simulated", database: "memory" }
  })
  let nonce = 0
  const signed = async (
    method: string,
    path: string,
    body?: unknown,
    options: {
      secret?: string
      headers?: Record<string, string>
      skewSeconds?: number
      nonce?: string
      tamper?: (b: Uint8Array) => Uint8Array
      raw?: string
      contentType?: string
    } = {}
  ) => {
    const text = options.raw ?? (body === undefined ? "" : JSON.stringify(body))
    const bytes = new TextEncoder().encode(text)
    const headers = await Effect.runPromise(
      InternalAuth.sign(
        Redacted.make(options.secret ?? secret),
        { method, path, body: bytes },
        {
          nonce: options.nonce ?? `nonce-${Date.now()}-${nonce++}`,
          at: DateTime.add(DateTime.nowUnsafe(), { seconds: options.skewSeconds ?? 0 })
        }
      ).pipe(Effect.provide(crypto))
    )
    const sent = options.tamper ? options.tamper(bytes) : bytes
    return app.request(path, {
      method,
      headers: {
        ...headers,
        ...options.headers,
        ...(text === "" ? {} : { "content-type": options.contentType ?? "application/json" })
      },
      ...(text === "" ? {} : { body: Buffer.from(sent) })
    })
  }
  return { app, runtime, signed }
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
export const jwt = (claims: Record<string, unknown>, key = jwtSecret) => {
  const head = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}`
  return `${head}.${createHmac("sha256", key).update(head).digest("base64url")}`
}
