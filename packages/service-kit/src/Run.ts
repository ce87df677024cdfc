/**
 * Starting either app the same way: the configuration read and checked whole (refused with one
 * line naming each problem, exit 2), one line with the effective configuration and every secret
 * redacted, then the program under Effect's runtime, which turns SIGTERM/SIGINT into an
 * interruption so every scope (pools, locks, servers) closes before the process exits.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Effect, Exit, Option } from "effect"
import * as Deployment from "./Deployment.ts"
import { problemOf } from "./Keypairs.ts"
import * as Logging from "./Logging.ts"
import * as Redaction from "./Redaction.ts"

/** Exit codes shared by both apps' start-up. */
export const ExitCode = { done: 0, configuration: 2 } as const

export interface Started {
  readonly settings: Deployment.Settings
  readonly plan: Deployment.Plan
}

/**
 * Reads the deployment settings, decides, and refuses (exit 2, one ERROR line) when anything is
 * wrong; otherwise logs the effective configuration: the plan, `extra` (the app's own settings),
 * secrets redacted. `stream` is where the lines go (stderr for a command whose stdout is data).
 */
export const checkConfiguration = async (options: {
  readonly role: Deployment.Role
  readonly programsCached: () => boolean
  readonly extra?: Record<string, unknown> | undefined
  readonly stream?: NodeJS.WritableStream | undefined
}): Promise<Started> => {
  const stream = options.stream ?? process.stdout
  const read = Effect.runSyncExit(Effect.map(Effect.all([Deployment.settingsConfig]), ([s]) => s))
  if (Exit.isFailure(read)) {
    Logging.write("ERROR", Deployment.refusal([String(Cause.squash(read.cause))]), {}, stream)
    process.exit(ExitCode.configuration)
  }
  const settings = read.value
  const signs = options.role === "http" && Option.isSome(settings.solanaRpcUrl)
  const feePayerProblem =
    signs && Option.isSome(settings.solanaKeypair) ? await problemOf(settings.solanaKeypair.value) : undefined
  // The program cache matters only where no RPC is named.
  const programsCached =
    Option.isNone(settings.solanaRpcUrl) && options.role === "http" && options.programsCached()
  const plan = Deployment.decide(settings, { programsCached, feePayerProblem }, options.role)
  if (plan.problems.length > 0) {
    Logging.write("ERROR", Deployment.refusal(plan.problems), { problems: plan.problems }, stream)
    process.exit(ExitCode.configuration)
  }
  Logging.write(
    "INFO",
    "configuration",
    {
      service: options.role,
      database: plan.database,
      chain: plan.chain,
      settings: Redaction.describe({ ...settings, ...options.extra })
    },
    stream
  )
  return { settings, plan }
}

/**
 * Runs the program under Effect's runtime: SIGTERM/SIGINT interrupt it (scopes close, then the
 * process exits), a number it succeeds with is the exit code, an interruption is a clean stop.
 */
export const runMain = <E>(
  program: Effect.Effect<unknown, E>,
  options: { readonly failureCode: number }
): void =>
  NodeRuntime.runMain(program, {
    disableErrorReporting: true,
    teardown: (exit, onExit) => {
      const code = Exit.isSuccess(exit)
        ? typeof exit.value === "number"
          ? exit.value
          : ExitCode.done
        : Cause.hasInterruptsOnly(exit.cause)
          ? ExitCode.done
          : options.failureCode
      onExit(code)
      process.exit(code)
    }
  })
