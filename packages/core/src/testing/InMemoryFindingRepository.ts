import { DateTime, Effect, Layer, Option } from "effect"
import { OpenFinding } from "../OpenFinding.ts"
import type { Page } from "../Page.ts"
import { type FindingQuery, FindingRepository, type RecordFindings } from "../ports/FindingRepository.ts"
import { findingKey, type ReasonCode, reasonCodes } from "../Reconciliation.ts"
import { notFound } from "../RepositoryError.ts"
import { InMemoryStore } from "./InMemoryStore.ts"

/** Oldest first: when first seen, then by id; the cursor is the position after the last one. */
const order = (a: OpenFinding, b: OpenFinding) =>
  DateTime.toEpochMillis(a.firstSeenAt) - DateTime.toEpochMillis(b.firstSeenAt) ||
  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
const cursorOf = (f: OpenFinding) => `${DateTime.toEpochMillis(f.firstSeenAt)}:${f.id}`
const isAfter = (cursor: string) => {
  const at = cursor.indexOf(":")
  const time = Number(cursor.slice(0, at))
  const id = cursor.slice(at + 1)
  return (f: OpenFinding) => {
    const t = DateTime.toEpochMillis(f.firstSeenAt)
    return t > time || (t === time && f.id > id)
  }
}

export const make = Effect.gen(function* () {
  const store = yield* InMemoryStore
  return FindingRepository.of({
    record: Effect.fn("InMemoryFindingRepository.record")((input: RecordFindings) =>
      store.transaction(
        store.use((s) => {
          let opened = 0
          let resolved = 0
          const seen = new Set<string>()
          for (const finding of input.findings) {
            const id = findingKey(finding)
            if (seen.has(id)) continue
            seen.add(id)
            const existing = s.findings.get(id)
            if (existing !== undefined && existing.state === "open") {
              s.findings.set(
                id,
                new OpenFinding({ ...existing, finding, lastSeenAt: input.at, reportId: input.reportId })
              )
            } else {
              opened++
              s.findings.set(
                id,
                new OpenFinding({
                  id,
                  finding,
                  state: "open",
                  firstSeenAt: input.at,
                  lastSeenAt: input.at,
                  reportId: input.reportId,
                  resolvedAt: null,
                  resolvedBy: null
                })
              )
            }
          }
          if (input.complete) {
            for (const [id, f] of s.findings) {
              if (f.state !== "open" || seen.has(id)) continue
              resolved++
              s.findings.set(
                id,
                new OpenFinding({ ...f, state: "resolved", resolvedAt: input.at, resolvedBy: "chain" })
              )
            }
          }
          return Effect.succeed({ opened, resolved })
        })
      )
    ),
    list: Effect.fn("InMemoryFindingRepository.list")((query: FindingQuery) =>
      store.use((s) => {
        const all = [...s.findings.values()]
          .filter(
            (f) =>
              (query.state === undefined || f.state === query.state) &&
              (query.reason === undefined || f.finding.reasonCode === query.reason) &&
              (query.cursor === undefined || isAfter(query.cursor)(f))
          )
          .sort(order)
        const items = all.slice(0, Math.max(0, query.limit))
        const last = items.at(-1)
        const page: Page<OpenFinding> = {
          items,
          nextCursor: all.length > items.length && last !== undefined ? cursorOf(last) : null
        }
        return Effect.succeed(page)
      })
    ),
    get: Effect.fn("InMemoryFindingRepository.get")((id: string) =>
      store.use((s) => Effect.succeed(Option.fromNullishOr(s.findings.get(id))))
    ),
    resolve: Effect.fn("InMemoryFindingRepository.resolve")((id: string, by: string, at: DateTime.Utc) =>
      store.use((s) => {
        const f = s.findings.get(id)
        if (f === undefined || f.state !== "open") return Effect.fail(notFound("open finding", id))
        const next = new OpenFinding({ ...f, state: "resolved", resolvedAt: at, resolvedBy: by })
        s.findings.set(id, next)
        return Effect.succeed(next)
      })
    ),
    openCounts: store.use((s) => {
      const counts = Object.fromEntries(reasonCodes.map((r) => [r, 0])) as Record<ReasonCode, number>
      for (const f of s.findings.values()) if (f.state === "open") counts[f.finding.reasonCode]++
      return Effect.succeed(counts)
    })
  })
})

export const layer: Layer.Layer<FindingRepository, never, InMemoryStore> = Layer.effect(
  FindingRepository,
  make
)
