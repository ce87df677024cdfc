/** What every ReportRepository must do; each case runs on a fresh build of the layer. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { ReportRepository } from "../../ports/ReportRepository.ts"
import { ReconciliationReport } from "../../Reconciliation.ts"
import type { RepositoryError } from "../../RepositoryError.ts"
import * as F from "./Fixtures.ts"

export const suite = <E>(name: string, layer: Layer.Layer<ReportRepository, E>) =>
  describe(`ReportRepository contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, E | RepositoryError, ReportRepository>) =>
      it.live(title, () => Effect.provide(body, layer), 30_000)

    test(
      "save then get returns the report with its counts and findings",
      Effect.gen(function* () {
        const reports = yield* ReportRepository
        const r = F.report(F.at(10))
        yield* reports.save(r)
        assert.deepStrictEqual(
          F.encodedReport(Option.getOrThrow(yield* reports.get(r.id))),
          F.encodedReport(r)
        )
        assert.isTrue(Option.isNone(yield* reports.get("no-such-report")))
      })
    )

    test(
      "saving a report again replaces it",
      Effect.gen(function* () {
        const reports = yield* ReportRepository
        const r = F.report(F.at(10))
        yield* reports.save(r)
        const shorter = F.report(F.at(10), r.id)
        const replaced = new ReconciliationReport({
          ...shorter,
          findings: shorter.findings.slice(0, 1),
          rpcCalls: 99
        })
        yield* reports.save(replaced)
        const stored = Option.getOrThrow(yield* reports.get(r.id))
        assert.strictEqual(stored.findings.length, 1)
        assert.strictEqual(stored.rpcCalls, 99)
        assert.strictEqual((yield* reports.list({ limit: 10 })).items.length, 1)
      })
    )

    test(
      "list is newest first and pages with a cursor",
      Effect.gen(function* () {
        const reports = yield* ReportRepository
        const made = [
          F.report(F.at(1)),
          F.report(F.at(5)),
          F.report(F.at(3)),
          F.report(F.at(5)),
          F.report(F.at(9))
        ]
        for (const r of made) yield* reports.save(r)
        const expected = [...made]
          .sort(
            (a, b) => b.startedAt.epochMilliseconds - a.startedAt.epochMilliseconds || (a.id < b.id ? 1 : -1)
          )
          .map((r) => r.id)
        const all = yield* reports.list({ limit: 10 })
        assert.deepStrictEqual(
          all.items.map((r) => r.id),
          expected
        )
        assert.isNull(all.nextCursor)
        const paged: Array<string> = []
        let cursor: string | undefined
        for (let i = 0; i < 10; i++) {
          const page = yield* reports.list({ limit: 2, cursor })
          assert.isAtMost(page.items.length, 2)
          paged.push(...page.items.map((r) => r.id))
          if (page.nextCursor === null) break
          cursor = page.nextCursor
        }
        assert.deepStrictEqual(paged, expected)
      })
    )
  })
