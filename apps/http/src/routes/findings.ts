/** Findings across reconciliation passes: which are open, and an operator closing one. */
import { FindingRepository } from "@tickettoken/minting-core"
import { toFindingView } from "@tickettoken/minting-core/client"
import { DateTime, Effect } from "effect"
import type { Implementations } from "../Routes.ts"

export const findingRoutes: Pick<Implementations, "listFindings" | "resolveFinding"> = {
  listFindings: ({ query }) =>
    Effect.gen(function* () {
      const findings = yield* FindingRepository
      const page = yield* findings.list({
        state: query.state,
        reason: query.reason,
        cursor: query.cursor,
        limit: query.limit ?? 100
      })
      return { status: 200, json: { items: page.items.map(toFindingView), nextCursor: page.nextCursor } }
    }),

  resolveFinding: ({ params, body }) =>
    Effect.gen(function* () {
      const findings = yield* FindingRepository
      const resolved = yield* findings.resolve(params.id, `operator:${body.by}`, yield* DateTime.now)
      return { status: 200, json: toFindingView(resolved) }
    })
}
