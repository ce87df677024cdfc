import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Ids } from "../src/index.ts"

describe("Ids.uuid", () => {
  it.effect("is a version 4 UUID, different each time", () =>
    Effect.gen(function* () {
      const ids = yield* Effect.all(Array.from({ length: 200 }, () => Ids.uuid))
      for (const id of ids)
        assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      assert.strictEqual(new Set(ids).size, ids.length)
    })
  )
})
