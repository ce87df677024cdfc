/**
 * The reconciler (the composition root): `pnpm reconciler` runs the daemon, `pnpm reconcile
 * --once` one pass. See Cli.ts for the options and the environment.
 */
import { NodeRuntime } from "@effect/platform-node"
import * as Postgres from "@tickettoken/minting-postgres"
import { Cause, Effect, Exit, Layer, Option } from "effect"
import { runAdopt } from "./Adopt.ts"
import * as Chain from "./Chain.ts"
import { parseAdopt, parseCommand, usage } from "./Cli.ts"
import * as Daemon from "./Daemon.ts"
import * as Database from "./Database.ts"
import { environment } from "./Environment.ts"
import * as Logging from "./Logging.ts"
import { ExitCode, runOnce } from "./Once.ts"

/** Before the logger exists: one JSON line, as the logger would write it. */
const fatal: (message: string, fields?: Record<string, unknown>) => never = (message, fields = {}) => {
  process.stderr.write(
    `${JSON.stringify({ level: "ERROR", timestamp: new Date().toISOString(), message, ...fields })}\n`
  )
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

const db = Database.choose(env, postgresOptions)
if (typeof db === "string") fatal(db)
const net = await Chain.choose(env)
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
  return yield* Daemon.run({
    lockName: env.lockName,
    batchSize: env.batchSize,
    repair: command.repair && env.repair,
    repairLimit: Option.getOrUndefined(env.repairLimit),
    intervalMs: env.intervalMs,
    minGapMs: Math.floor(env.intervalMs / 2),
    shutdownDeadlineMs: env.shutdownDeadlineMs
  }).pipe(Effect.as(ExitCode.done))
})

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

NodeRuntime.runMain(main, {
  disableErrorReporting: true,
  // A stop asked for by SIGTERM/SIGINT is a clean exit: the pass finished or was abandoned, the
  // lock let go and the pool closed before the fiber ended.
  teardown: (exit, onExit) => {
    const code = Exit.isSuccess(exit)
      ? typeof exit.value === "number"
        ? exit.value
        : ExitCode.done
      : Cause.hasInterruptsOnly(exit.cause)
        ? ExitCode.done
        : ExitCode.noPass
    onExit(code)
    process.exit(code)
  }
})
