/**
 * The reconciler (the composition root): `pnpm reconciler` runs the daemon, `pnpm reconcile
 * --once` one pass. See Cli.ts for the options and the environment.
 */
import * as Postgres from "@tickettoken/minting-postgres"
import { ChainChoice, DatabaseChoice, Logging, Run } from "@tickettoken/minting-service-kit"
import { Cause, Effect, Exit, Layer, Option } from "effect"
import { runAdopt } from "./Adopt.ts"
import { parseAdopt, parseCommand, usage } from "./Cli.ts"
import * as Daemon from "./Daemon.ts"
import { environment } from "./Environment.ts"
import { ExitCode, runOnce } from "./Once.ts"
import * as StatusServer from "./StatusServer.ts"

/** Before the logger exists: one JSON line, as the logger would write it. */
const fatal: (message: string, fields?: Record<string, unknown>) => never = (message, fields = {}) => {
  Logging.write("ERROR", message, fields, process.stderr)
  process.exit(ExitCode.usage)
}

const argv = process.argv.slice(2)
const adopt = argv[0] === "adopt" ? parseAdopt(argv.slice(1)) : undefined
if (typeof adopt === "string") {
  process.stderr.write(`${adopt}\n\n${usage}\n`)
  process.exit(ExitCode.usage)
}
const command = parseCommand(adopt === undefined ? argv : ["--once"])
if (typeof command === "string") {
  process.stderr.write(`${command}\n\n${usage}\n`)
  process.exit(ExitCode.usage)
}
if (command.help) {
  process.stdout.write(`${usage}\n`)
  process.exit(0)
}

const settings = Effect.runSyncExit(Effect.all([environment, Postgres.config]))
if (Exit.isFailure(settings)) fatal("invalid configuration", { error: String(Cause.squash(settings.cause)) })
const [env, postgresOptions] = settings.value

// The one-shot CLI's stdout is its report: its lines go to stderr.
const { settings: deployment, plan } = await Run.checkConfiguration({
  role: "reconciler",
  programsCached: () => false,
  extra: { ...env, postgres: postgresOptions },
  stream: command.once ? process.stderr : process.stdout
})
const db = DatabaseChoice.choose(plan.database, deployment.dataDir, postgresOptions)
const net = await ChainChoice.forReconciler(deployment)
if (typeof net === "string") fatal(net)

const program = Effect.gen(function* () {
  yield* Effect.logInfo(`database: ${db.kind} ${db.target}`)
  if (db.kind === "pglite") {
    yield* Effect.logWarning(
      "embedded PGlite admits one process at a time: stop the HTTP app on this DATA_DIR first; the leader lock is this process's own"
    )
  }
  yield* Effect.logInfo(`chain: ${net.description}`)
  if (adopt !== undefined) return yield* runAdopt(adopt)
  if (command.once) {
    return yield* runOnce({
      lockName: env.lockName,
      batchSize: env.batchSize,
      repair: command.repair && env.repair,
      repairLimit: Option.getOrUndefined(env.repairLimit),
      acceptMassRepair: command.acceptMassRepair,
      strict: command.strict,
      json: command.json,
      limit: command.limit
    })
  }
  const status = yield* StatusServer.makeStatus
  yield* StatusServer.serve({ host: env.host, port: env.port, status })
  return yield* Daemon.run({
    status,
    lockName: env.lockName,
    batchSize: env.batchSize,
    repair: command.repair && env.repair,
    repairLimit: Option.getOrUndefined(env.repairLimit),
    intervalMs: env.intervalMs,
    minGapMs: Math.floor(env.intervalMs / 2),
    shutdownDeadlineMs: env.shutdownDeadlineMs
  }).pipe(Effect.as(ExitCode.done))
}).pipe(Effect.scoped)

const main = program.pipe(
  Effect.provide(Layer.mergeAll(db.layer, net.layer)),
  Effect.tapCause((cause) =>
    Cause.hasInterruptsOnly(cause)
      ? Effect.void
      : Effect.logError("reconciler stopped on an error").pipe(
          Effect.annotateLogs({ error: String(Cause.squash(cause)) })
        )
  ),
  Effect.annotateLogs({ service: "reconciler" }),
  Effect.provide(Logging.layer({ level: env.logLevel, toStderr: command.once }))
)

// A stop asked for by SIGTERM/SIGINT is a clean exit: the pass finished or was abandoned, the
// lock let go, the status server and the pool closed before the fiber ended.
Run.runMain(main, { failureCode: ExitCode.noPass })
