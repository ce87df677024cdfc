/**
 * Every log line of both apps is one JSON object: `level`, `timestamp`, `message` (always a
 * string) and the fields beside them. Effect's own JSON logger writes `message` as an array when
 * a call passes fields (`Effect.logInfo("text", { tree })`) and nests annotations; collectors
 * index flat fields, so this logger spreads both beside the message.
 */
import { Cause, Layer, Logger, type LogLevel, References } from "effect"

const levels = { trace: "Trace", debug: "Debug", info: "Info", warn: "Warn", error: "Error" } as const

/** LOG_LEVEL's value as Effect's level; anything unknown is `Info`. */
export const parseLevel = (text: string): LogLevel.LogLevel =>
  levels[text.trim().toLowerCase() as keyof typeof levels] ?? "Info"

/** Names a field may not take: they would hide the line's own. */
const reserved = new Set(["level", "timestamp", "message"])

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Error)

const plain = (value: unknown): unknown => {
  if (value instanceof Error) return value.message
  if (typeof value === "bigint") return value.toString()
  return value
}

/** One line's object: the message parts that are text joined, records spread beside it. */
export const entry = (
  level: string,
  parts: ReadonlyArray<unknown>,
  fields: Record<string, unknown>,
  date: Date
): Record<string, unknown> => {
  const text: Array<string> = []
  const spread: Record<string, unknown> = {}
  for (const part of parts) {
    if (isRecord(part)) for (const [key, value] of Object.entries(part)) spread[key] = plain(value)
    else text.push(typeof part === "string" ? part : (JSON.stringify(plain(part)) ?? String(part)))
  }
  const out: Record<string, unknown> = { level, timestamp: date.toISOString(), message: text.join(" ") }
  for (const [key, value] of Object.entries({ ...fields, ...spread })) {
    out[reserved.has(key) ? `field_${key}` : key] = plain(value)
  }
  return out
}

/** One line of JSON: bigints as text, anything unserialisable as its description. */
export const line = (value: Record<string, unknown>): string => {
  try {
    return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v))
  } catch {
    return JSON.stringify({ level: value.level, timestamp: value.timestamp, message: String(value.message) })
  }
}

/**
 * The message of an error and of each of its causes, the first `max`, each once (drivers put the
 * useful part deep inside).
 */
export const causeMessages = (error: unknown, max: number): Array<string> => {
  const out: Array<string> = []
  for (let e: unknown = error; e !== undefined && out.length < max; e = (e as { cause?: unknown }).cause) {
    const message = e instanceof Error ? e.message : String(e)
    if (message.length > 0 && !out.includes(message)) out.push(message)
  }
  return out
}

/** A line written before any runtime exists (configuration refused, start-up failed). */
export const write = (
  level: "INFO" | "WARN" | "ERROR",
  message: string,
  fields: Record<string, unknown> = {},
  stream: NodeJS.WritableStream = process.stdout
): void => {
  stream.write(`${line(entry(level, [message], fields, new Date()))}\n`)
}

/** The logger: annotations and fields flat beside a string message, the cause as text. */
export const jsonLogger = (output: (text: string) => void): Logger.Logger<unknown, void> =>
  Logger.make(({ cause, date, fiber, logLevel, message }) => {
    const fields: Record<string, unknown> = { ...fiber.getRef(References.CurrentLogAnnotations) }
    if (cause.reasons.length > 0) fields.cause = Cause.pretty(cause)
    const parts = Array.isArray(message) ? message : [message]
    output(line(entry(logLevel.toUpperCase(), parts, fields, date)))
  })

/** JSON lines to stdout (or stderr, for a command whose stdout is its result) at LOG_LEVEL. */
export const layer = (options: { readonly level: string; readonly toStderr?: boolean }) =>
  Layer.mergeAll(
    Logger.layer([
      jsonLogger(options.toStderr === true ? (text) => console.error(text) : (text) => console.log(text))
    ]),
    Layer.succeed(References.MinimumLogLevel, parseLevel(options.level)),
    // No tracer is configured: without this every Effect.fn call still builds and registers a
    // span that nothing reads.
    Layer.succeed(References.TracerEnabled, false)
  )
