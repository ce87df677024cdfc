/**
 * Structured JSON logs, one object a line. The daemon logs to stdout; the one-shot CLI logs to
 * stderr, so its stdout carries only the summary or the JSON report.
 */
import { Layer, Logger, References } from "effect"

const levels = { trace: "Trace", debug: "Debug", info: "Info", warn: "Warn", error: "Error" } as const

export const layer = (options: { readonly level: string; readonly toStderr: boolean }) =>
  Layer.mergeAll(
    Logger.layer([options.toStderr ? Logger.withConsoleError(Logger.formatJson) : Logger.consoleJson]),
    Layer.succeed(References.MinimumLogLevel, levels[options.level as keyof typeof levels] ?? "Info")
  )
