import { DateTime, Effect, Layer, Option } from "effect"
import type { Page } from "../Page.ts"
import { ReportRepository } from "../ports/ReportRepository.ts"
import type { ReconciliationReport } from "../Reconciliation.ts"
import { InMemoryStore } from "./InMemoryStore.ts"

const startedMillis = (r: ReconciliationReport) => DateTime.toEpochMillis(r.startedAt)

const newestFirst = (a: ReconciliationReport, b: ReconciliationReport) =>
  startedMillis(b) - startedMillis(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

const cursorOf = (r: ReconciliationReport) => `${startedMillis(r)}:${r.id}`

const after = (cursor: string | undefined) => {
  if (cursor === undefined) return () => true
  const at = cursor.indexOf(":")
  const time = Number(cursor.slice(0, at))
  const id = cursor.slice(at + 1)
  return (r: ReconciliationReport) => startedMillis(r) < time || (startedMillis(r) === time && r.id < id)
}

export const make = Effect.gen(function* () {
  const store = yield* InMemoryStore
  return ReportRepository.of({
    save: Effect.fn("InMemoryReportRepository.save")((report: ReconciliationReport) =>
      store.use((s) => Effect.sync(() => void s.reports.set(report.id, report)))
    ),
    get: Effect.fn("InMemoryReportRepository.get")((id: string) =>
      store.use((s) => Effect.succeed(Option.fromNullishOr(s.reports.get(id))))
    ),
    list: Effect.fn("InMemoryReportRepository.list")(
      (options: { readonly cursor?: string | undefined; readonly limit: number }) =>
        store.use((s) => {
          const all = [...s.reports.values()].filter(after(options.cursor)).sort(newestFirst)
          const items = all.slice(0, Math.max(0, options.limit))
          const last = items[items.length - 1]
          const result: Page<ReconciliationReport> = {
            items,
            nextCursor: all.length > items.length && last !== undefined ? cursorOf(last) : null
          }
          return Effect.succeed(result)
        })
    )
  })
})

export const layer: Layer.Layer<ReportRepository, never, InMemoryStore> = Layer.effect(ReportRepository, make)
