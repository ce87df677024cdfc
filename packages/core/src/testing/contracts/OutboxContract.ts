/** What every Outbox must do; each case runs on a fresh build of the layer. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { Outbox } from "../../ports/Outbox.ts"
import type { RepositoryError } from "../../RepositoryError.ts"
import * as F from "./Fixtures.ts"

export const suite = <E>(name: string, layer: Layer.Layer<Outbox, E>) =>
  describe(`Outbox contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, E | RepositoryError, Outbox>) =>
      it.live(title, () => Effect.provide(body, layer), 30_000)

    test(
      "unsent is oldest first and keeps the payload; markSent takes events out of it",
      Effect.gen(function* () {
        const outbox = yield* Outbox
        const events = [
          F.outboxEvent(F.at(1)),
          F.outboxEvent(F.at(2), "mint.requested"),
          F.outboxEvent(F.at(3))
        ]
        for (const e of events) yield* outbox.append(e)
        const unsent = yield* outbox.unsent(10)
        assert.deepStrictEqual(
          unsent.map((e) => e.id),
          events.map((e) => e.id)
        )
        assert.deepStrictEqual(unsent[0]?.payload, events[0]?.payload)
        assert.strictEqual(unsent[1]?.topic, "mint.requested")
        assert.strictEqual(unsent[1]?.key, events[1]?.key)
        assert.deepStrictEqual(
          (yield* outbox.unsent(2)).map((e) => e.id),
          events.slice(0, 2).map((e) => e.id)
        )

        yield* outbox.markSent([events[0]!.id, events[2]!.id, "no-such-event"], F.at(10))
        assert.deepStrictEqual(
          (yield* outbox.unsent(10)).map((e) => e.id),
          [events[1]!.id]
        )
      })
    )

    test(
      "list is newest first, sent or not",
      Effect.gen(function* () {
        const outbox = yield* Outbox
        const events = [F.outboxEvent(F.at(1)), F.outboxEvent(F.at(2)), F.outboxEvent(F.at(3))]
        for (const e of events) yield* outbox.append(e)
        yield* outbox.markSent([events[1]!.id], F.at(10))
        const listed = yield* outbox.list({ limit: 10 })
        assert.deepStrictEqual(
          listed.map((e) => e.id),
          [...events].reverse().map((e) => e.id)
        )
        assert.strictEqual(listed[1]?.sentAt?.epochMilliseconds, F.at(10).epochMilliseconds)
        assert.isNull(listed[0]?.sentAt)
        assert.strictEqual((yield* outbox.list({ limit: 2 })).length, 2)
      })
    )

    test(
      "appending an event id twice keeps one event",
      Effect.gen(function* () {
        const outbox = yield* Outbox
        const e = F.outboxEvent(F.at(1))
        yield* outbox.append(e)
        yield* outbox.append(e)
        assert.strictEqual((yield* outbox.unsent(10)).length, 1)
      })
    )

    test(
      "appendAll appends many at once, an event id already there kept once",
      Effect.gen(function* () {
        const outbox = yield* Outbox
        const first = F.outboxEvent(F.at(1))
        yield* outbox.append(first)
        const more = [F.outboxEvent(F.at(2)), F.outboxEvent(F.at(3))]
        yield* outbox.appendAll([first, ...more])
        yield* outbox.appendAll([])
        assert.deepStrictEqual(
          (yield* outbox.unsent(10)).map((e) => e.id),
          [first, ...more].map((e) => e.id)
        )
      })
    )
  })
