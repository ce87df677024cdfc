/** Log lines as collectors read them: one JSON object, `message` a string, fields beside it. */
import { Effect, Layer, Logger } from "effect"
import { describe, expect, it } from "vitest"
import * as Logging from "../src/Logging.ts"

const capture = async (program: Effect.Effect<void>) => {
  const lines: Array<string> = []
  await Effect.runPromise(
    program.pipe(
      Effect.provide(Layer.merge(Logger.layer([Logging.jsonLogger((t) => lines.push(t))]), Layer.empty))
    )
  )
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>)
}

describe("Logging.jsonLogger", () => {
  it("writes the message as a string, fields and annotations beside it", async () => {
    const [withFields, annotated, failed] = await capture(
      Effect.gen(function* () {
        yield* Effect.logWarning("mint worker stalled", { stalledMs: 31_000, waiting: 3n })
        yield* Effect.logInfo("pass finished").pipe(
          Effect.annotateLogs({ reportId: "r-1", message: "shadowed" })
        )
        yield* Effect.logError("failed", new Error("boom"))
      })
    )
    expect(withFields).toMatchObject({
      level: "WARN",
      message: "mint worker stalled",
      stalledMs: 31_000,
      waiting: "3"
    })
    expect(typeof withFields?.timestamp).toBe("string")
    expect(annotated).toMatchObject({
      level: "INFO",
      message: "pass finished",
      reportId: "r-1",
      field_message: "shadowed"
    })
    expect(failed).toMatchObject({ level: "ERROR", message: 'failed "boom"' })
  })

  it("parses LOG_LEVEL, defaulting to Info", () => {
    expect(Logging.parseLevel("debug")).toBe("Debug")
    expect(Logging.parseLevel(" WARN ")).toBe("Warn")
    expect(Logging.parseLevel("chatty")).toBe("Info")
  })
})

describe("Logging.causeMessages", () => {
  it("names an error and its causes, each once, empty ones left out, at most `max`", () => {
    const root = new Error("connect ECONNREFUSED 127.0.0.1:5432")
    const error = new Error("start-up failed", {
      cause: new Error("", { cause: new Error("pool", { cause: root }) })
    })
    expect(Logging.causeMessages(error, 6)).toEqual([
      "start-up failed",
      "pool",
      "connect ECONNREFUSED 127.0.0.1:5432"
    ])
    expect(Logging.causeMessages(error, 2)).toEqual(["start-up failed", "pool"])
    expect(Logging.causeMessages(new Error("same", { cause: new Error("same") }), 6)).toEqual(["same"])
    expect(Logging.causeMessages("text", 6)).toEqual(["text"])
  })
})
