/**
 * What the operator's commands (`pnpm collection`, `pnpm tree`) run on: the service's own
 * database (DATABASE_URL; or, with DB=embedded, the embedded PGlite folder, which only one
 * process may open: the service must be stopped) and, for
 * commands that write to the chain, the cluster of SOLANA_RPC_URL with the fee payer of
 * SOLANA_KEYPAIR: the same settings the service reads, so what a command creates is what the
 * service then uses. The in-process local devnet of the embedded start lives only inside that
 * process: commands that write to the chain need `pnpm localnet` (or a cluster) instead.
 */
import { type ChainGateway, MintingSettings } from "@tickettoken/minting-core"
import * as Postgres from "@tickettoken/minting-postgres"
import { ChainChoice, DatabaseChoice, Deployment, Keypairs, Logging } from "@tickettoken/minting-service-kit"
import { BubblegumGateway } from "@tickettoken/minting-solana"
import { Cause, Effect, Layer, Logger, Option, Redacted, References } from "effect"
import { environment } from "../Environment.ts"

export class UsageError extends Error {}

const print = (stream: NodeJS.WriteStream, text: string) =>
  new Promise<void>((resolve) => stream.write(`${text}\n`, () => resolve()))

export interface RunOptions {
  /**
   * The command writes to the chain (`true`: SOLANA_RPC_URL and the fee payer are required), only
   * reads it (`"read"`: SOLANA_RPC_URL is required, SOLANA_KEYPAIR is not used), or needs none
   * (`false`).
   */
  readonly chain: boolean | "read"
}

type Services = DatabaseChoice.DatabaseServices | ChainGateway

/**
 * Runs a command's program on the configured database (and chain) and exits: 0, 1 on failure
 * (one line on stderr, no stack), 2 on a usage error.
 */
export const run = async <A>(
  name: string,
  program: Effect.Effect<A, unknown, Services>,
  options: RunOptions
): Promise<never> => {
  const env = await Effect.runPromise(
    Effect.result(
      Effect.gen(function* () {
        return yield* Effect.all([environment, Deployment.settingsConfig, Postgres.config])
      })
    )
  )
  if (env._tag === "Failure") {
    await print(process.stderr, `${name}: invalid configuration: ${String(env.failure)}`)
    process.exit(2)
  }
  const [settings, deployment, postgresOptions] = env.success
  if (options.chain === true && Option.isNone(deployment.solanaRpcUrl)) {
    await print(
      process.stderr,
      `${name}: SOLANA_RPC_URL is not set. This command writes to the chain the service mints on: set SOLANA_RPC_URL (pnpm localnet serves http://127.0.0.1:8899) and SOLANA_KEYPAIR (the fee payer, see pnpm keypair:new)`
    )
    process.exit(2)
  }
  if (options.chain === "read" && Option.isNone(deployment.solanaRpcUrl)) {
    await print(
      process.stderr,
      `${name}: SOLANA_RPC_URL is not set. This command asks the chain the service mints on: set SOLANA_RPC_URL (pnpm localnet serves http://127.0.0.1:8899)`
    )
    process.exit(2)
  }
  if (
    Option.isNone(deployment.databaseUrl) &&
    Option.isNone(deployment.dbHost) &&
    Option.getOrUndefined(deployment.db) !== "embedded"
  ) {
    // PGlite has no lock of its own: two processes on one folder could corrupt it.
    await print(
      process.stderr,
      `${name}: DATABASE_URL is not set. Set it to the service's PostgreSQL; or, to use the embedded database folder (${deployment.dataDir}/pglite), stop the service that holds it (pnpm start) and set DB=embedded`
    )
    process.exit(2)
  }
  const database = DatabaseChoice.choose(
    Option.isSome(deployment.databaseUrl) || Option.isSome(deployment.dbHost) ? "postgresql" : "pglite",
    deployment.dataDir,
    postgresOptions
  )
  const chain =
    options.chain === true
      ? (BubblegumGateway.layerConfig as Layer.Layer<ChainGateway, unknown>)
      : options.chain === "read" && Option.isSome(deployment.solanaRpcUrl)
        ? // Nothing is signed: a key nobody holds, so the fee payer's file is not even read.
          ChainChoice.gatewayOn(Redacted.value(deployment.solanaRpcUrl.value), Keypairs.throwawayKeypair())
        : (Layer.empty as unknown as Layer.Layer<ChainGateway>)
  const publicBaseUrl = Option.getOrElse(
    settings.publicBaseUrl,
    () => `http://${settings.host}:${settings.port}`
  )
  const layer = Layer.mergeAll(database.layer, chain).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        Layer.succeed(MintingSettings, { ...MintingSettings.defaultValue(), publicBaseUrl }),
        // The command's own output is the answer; the service's log lines go to stderr, warnings up.
        Logger.layer([Logger.withConsoleError(Logger.formatJson)]),
        Layer.succeed(References.MinimumLogLevel, settings.logLevel === "debug" ? "Debug" : "Warn")
      )
    )
  )
  const exit = await Effect.runPromiseExit(
    program.pipe(Effect.provide(layer as Layer.Layer<Services, unknown>)) as Effect.Effect<A, unknown>
  )
  if (exit._tag === "Success") process.exit(0)
  const failure = exit.cause.reasons.find(Cause.isFailReason)
  const error = failure === undefined ? Cause.squash(exit.cause) : failure.error
  await print(process.stderr, `${name}: ${Logging.causeMessages(error, 4).join(": ")}`)
  process.exit(error instanceof UsageError ? 2 : 1)
}

/** A line for the operator. */
export const say = (text: string) => Effect.promise(() => print(process.stdout, text))
