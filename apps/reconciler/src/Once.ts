/** One pass for an operator: under the leader lock, summarised or as JSON, with an exit code. */
import { Cause, Console, Effect } from "effect"
import { type PassOptions, runPass } from "./Pass.ts"
import { foundProblems, summary, toJson } from "./Summary.ts"

export interface OnceOptions extends Omit<PassOptions, "minGapMs"> {
  readonly strict: boolean
  readonly json: boolean
  readonly limit: number
}

export const ExitCode = { done: 0, problemsFound: 1, usage: 2, noPass: 3 } as const

export const runOnce = (options: OnceOptions) =>
  runPass({ ...options, minGapMs: 0 }).pipe(
    Effect.flatMap((outcome) => {
      switch (outcome._tag) {
        case "Reconciled": {
          const printed = options.json
            ? toJson(outcome.report)
            : summary(outcome.report, { repair: options.repair, limit: options.limit })
          const code =
            options.strict && foundProblems(outcome.report) ? ExitCode.problemsFound : ExitCode.done
          return Effect.as(Console.log(printed), code)
        }
        default:
          return Effect.as(
            Console.error(
              "No pass: another replica is reconciling now (it holds the leader lock). Try again later."
            ),
            ExitCode.noPass
          )
      }
    }),
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause)
        : Effect.as(
            Effect.logError("reconciliation pass failed").pipe(
              Effect.annotateLogs({ error: String(Cause.squash(cause)) })
            ),
            ExitCode.noPass
          )
    )
  )
