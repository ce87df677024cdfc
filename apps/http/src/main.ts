/**
 * The minting service: HTTP API + mint worker in one process (the composition root).
 *
 * On its embedded defaults (`pnpm start`): PGlite under .data/, the local devnet with the real
 * Bubblegum programs when they are cached, otherwise the simulated chain, announced first.
 * With DATABASE_URL / SOLANA_RPC_URL / SOLANA_KEYPAIR it runs against PostgreSQL and a cluster.
 */
import type { Server } from "node:http"
import { NodeCrypto } from "@effect/platform-node"
import { serve } from "@hono/node-server"
import {
  ChainGateway,
  ChainMetrics,
  MintingSettings,
  type RetryPolicy,
  TreeRotation
} from "@tickettoken/minting-core"
import * as Postgres from "@tickettoken/minting-postgres"
import { OutboxRelay } from "@tickettoken/minting-rabbitmq"
import { ChainChoice, DatabaseChoice, Logging, Run } from "@tickettoken/minting-service-kit"
import { Effect, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { makeApp } from "./App.ts"
import * as EmbeddedFiles from "./EmbeddedFiles.ts"
import { environment } from "./Environment.ts"
import * as FaultHooks from "./FaultHooks.ts"
import * as WorkerLoop from "./WorkerLoop.ts"

const log = (level: "INFO" | "WARN" | "ERROR", message: string, fields: Record<string, unknown> = {}) =>
  Logging.write(level, message, fields)

const main = async () => {
  // Whatever the service writes (PGlite's files, the generated secret, the fee payer) is its
  // own: nothing it creates is readable by other users.
  process.umask(0o077)
  const env = await Effect.runPromise(
    Effect.result(
      Effect.gen(function* () {
        return yield* Effect.all([environment, Postgres.config])
      })
    )
  )
  const faults = await Effect.runPromise(
    Effect.result(
      Effect.gen(function* () {
        return yield* FaultHooks.config
      })
    )
  )
  if (env._tag === "Failure" || faults._tag === "Failure") {
    const failure = env._tag === "Failure" ? env.failure : faults._tag === "Failure" ? faults.failure : null
    log("ERROR", "invalid configuration", { error: String(failure) })
    process.exit(Run.ExitCode.configuration)
  }
  const [settings, postgresOptions] = env.success
  // The whole configuration, checked before anything starts; refused with every problem named.
  const { settings: deployment, plan } = await Run.checkConfiguration({
    role: "http",
    programsCached: ChainChoice.programsCached,
    extra: { ...settings, postgres: postgresOptions }
  })

  const chain = await ChainChoice.forHttp(plan.chain, deployment)
  // The first line says what the chain is, so nobody mistakes a simulation for a cluster.
  log(chain.kind === "simulated" ? "WARN" : "INFO", `chain: ${chain.description}`, { chain: chain.kind })

  const database = DatabaseChoice.choose(plan.database, deployment.dataDir, postgresOptions)
  const embeddedSecret =
    settings.internalSecrets.length > 0 ? null : EmbeddedFiles.internalSecret(deployment.dataDir)
  const internalSecrets =
    embeddedSecret === null ? settings.internalSecrets : [Redacted.make(embeddedSecret.secret)]
  // On the embedded defaults the console works at once: operators sign in with a token that
  // `pnpm console:token` signs with this generated secret. Configured deployments set JWT_SECRET.
  const embeddedJwt =
    embeddedSecret !== null && Option.isNone(settings.jwtSecret)
      ? EmbeddedFiles.jwtSecret(deployment.dataDir)
      : null
  const jwtSecret =
    embeddedJwt === null ? Option.getOrNull(settings.jwtSecret) : Redacted.make(embeddedJwt.secret)

  const publicBaseUrl = Option.getOrElse(
    settings.publicBaseUrl,
    () => `http://${settings.host}:${settings.port}`
  )
  const mintingSettings = Layer.succeed(MintingSettings, {
    ...MintingSettings.defaultValue(),
    publicBaseUrl,
    leaseMs: settings.leaseMs,
    workerId: `worker-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    retryPolicy: MintingSettings.defaultValue().retryPolicy satisfies RetryPolicy,
    tree: {
      maxDepth: settings.treeDepth,
      maxBufferSize: settings.treeBuffer,
      canopyDepth: settings.treeCanopy
    }
  })
  const logging = Logging.layer({ level: settings.logLevel })
  // Off unless TT_FAULT_* is set: the fault tests' way to stop the worker at an exact step.
  const faultHooks = FaultHooks.layer(faults.success)
  const faultNotice = FaultHooks.describe(faults.success)
  if (faultNotice !== null) log("WARN", faultNotice, { faultInjection: true })
  const services = Layer.mergeAll(
    database.layer,
    // Calls and errors by operation and reason, for /metrics.
    ChainMetrics.layer.pipe(Layer.provide(chain.layer)),
    NodeCrypto.layerDigest,
    NodeCrypto.layerMac
  ).pipe(Layer.provideMerge(Layer.mergeAll(mintingSettings, logging, faultHooks)))
  // Events go to RabbitMQ when RABBITMQ_URL is set; otherwise they accumulate in the outbox.
  const layer = OutboxRelay.layerConfig.pipe(Layer.provideMerge(services))
  const runtime = ManagedRuntime.make(layer as Layer.Layer<Layer.Success<typeof layer>, never>)
  /** The cluster's identity at start: /health/chain reports a different one. */
  let genesisHash: string | null = null
  try {
    await runtime.runPromise(Effect.void)
    log("INFO", `database: ${database.kind}`, {
      database: database.kind,
      target: database.target,
      schema: database.schema
    })
    // A tree to mint into, created on first start; one the chain no longer holds is replaced.
    // The in-process local devnet resumes its chain from DATA_DIR, trees included: only when
    // that chain was lost (the folder deleted) is the active tree missing and replaced.
    const tree = await runtime.runPromise(TreeRotation.verifyActiveTree())
    log("INFO", "active tree", { tree: tree.address, capacity: tree.capacity, minted: tree.minted })
    genesisHash = await runtime.runPromise(
      Effect.gen(function* () {
        const gateway = yield* ChainGateway
        return (yield* gateway.info).genesisHash
      })
    )
  } catch (error) {
    log("ERROR", "start-up failed", { error: Logging.causeMessages(error, 6) })
    await runtime.dispose().catch(() => {})
    await chain.close()
    process.exit(1)
  }

  const options = {
    batchSize: settings.workerBatch,
    concurrency: settings.workerConcurrency,
    maxInFlight: settings.workerMaxInFlight,
    idleMs: settings.workerIdleMs,
    recoveryIntervalMs: settings.recoveryIntervalMs,
    stallWarnAfterMs: settings.stallWarnAfterMs
  }
  // Served under Effect's runtime: SIGTERM/SIGINT interrupt it, and the scope closes in reverse:
  // the server stops taking requests, the worker lets its mints in flight finish (until
  // SHUTDOWN_DEADLINE_MS), then the pool and the chain close.
  const serving = Effect.gen(function* () {
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        await runtime.dispose()
        await chain.close()
        log("INFO", "stopped")
      })
    )
    const worker = settings.workerEnabled
      ? yield* Effect.acquireRelease(
          Effect.sync(() => WorkerLoop.start(runtime, options)),
          (started) => Effect.promise(() => started.stop(settings.shutdownDeadlineMs))
        )
      : null
    const app = makeApp(runtime, {
      auth: {
        internalSecrets,
        jwtSecret,
        jwtAudience: Option.getOrNull(settings.jwtAudience),
        jwtIssuer: Option.getOrNull(settings.jwtIssuer)
      },
      health: {
        chain: chain.kind,
        database: database.kind,
        worker: worker?.health,
        chainChecks: {
          feePayerMinMints: settings.feePayerMinMints,
          mintCostLamports: settings.mintCostLamports,
          genesisHash: () => genesisHash
        }
      },
      bodyLimit: settings.bodyLimit,
      accessLog: ({ level, message, ...fields }) =>
        Logging.write(level === "ERROR" || level === "WARN" ? level : "INFO", String(message), fields)
    })
    yield* Effect.acquireRelease(
      Effect.promise(async () => {
        const server = serve({ fetch: app.fetch, port: settings.port, hostname: settings.host }) as Server
        await new Promise<void>((resolve) => server.once("listening", () => resolve()))
        return server
      }),
      (server) =>
        Effect.promise(
          () =>
            new Promise<void>((resolve) => {
              server.close(() => resolve())
              // Idle keep-alive sockets would hold close() open for seconds.
              server.closeIdleConnections()
            })
        )
    )
    const url = `http://${settings.host}:${settings.port}`
    log("INFO", `listening on ${url}`, {
      url,
      docs: `${url}/docs`,
      console: jwtSecret === null ? "off (JWT_SECRET not set)" : `${url}/console`
    })
    log("INFO", worker ? "mint worker running" : "mint worker off (WORKER_ENABLED=false)")
    if (embeddedSecret !== null) {
      // Where to read the secret, never the secret: stdout is the log stream, and logs are
      // collected, shipped and kept where a secret must not go.
      process.stdout.write(
        `\nInternal secret: ${embeddedSecret.generated ? "generated into" : "read from"} ${embeddedSecret.path} (mode 0600; cat it to sign requests)\nMint one ticket:\n  pnpm --silent mint:example ${url}\n${embeddedJwt === null ? "" : `Operator console: ${url}/console (sign in with the token from: pnpm --silent console:token)\n`}\n`
      )
    }
    return yield* Effect.never
  }).pipe(
    Effect.onInterrupt(() => Effect.sync(() => log("INFO", "shutting down"))),
    Effect.scoped
  )
  Run.runMain(serving, { failureCode: 1 })
}

void main()
