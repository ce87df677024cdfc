/** What every FindingRepository must do; each case runs on a fresh build of the layer. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { FindingRepository } from "../../ports/FindingRepository.ts"
import { Finding, findingKey } from "../../Reconciliation.ts"
import type { RepositoryError } from "../../RepositoryError.ts"
import * as F from "./Fixtures.ts"

const orphan = (assetId: string) =>
  new Finding({
    reasonCode: "chain_orphaned",
    action: "flag",
    mintId: null,
    ticketId: null,
    signature: "sig",
    assetId,
    tree: "tree-1",
    details: "leaf 3 of tree tree-1 belongs to no mint"
  })

export const suite = <E>(name: string, layer: Layer.Layer<FindingRepository, E>) =>
  describe(`FindingRepository contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, E | RepositoryError, FindingRepository>) =>
      it.live(title, () => Effect.provide(body, layer), 30_000)

    test(
      "a finding stays open across passes until a complete pass no longer reports it",
      Effect.gen(function* () {
        const repo = yield* FindingRepository
        const a = orphan(F.uniqueId("asset"))
        const b = orphan(F.uniqueId("asset"))
        assert.deepStrictEqual(
          yield* repo.record({ reportId: "r1", at: F.at(1), findings: [a, b, a], complete: true }),
          { opened: 2, resolved: 0 }
        )
        // A partial pass that misses b resolves nothing.
        assert.deepStrictEqual(
          yield* repo.record({ reportId: "r2", at: F.at(2), findings: [a], complete: false }),
          {
            opened: 0,
            resolved: 0
          }
        )
        const open = yield* repo.list({ state: "open", limit: 10 })
        assert.deepStrictEqual(open.items.map((f) => f.id).sort(), [findingKey(a), findingKey(b)].sort())
        const seenA = Option.getOrThrow(yield* repo.get(findingKey(a)))
        assert.strictEqual(seenA.reportId, "r2")
        assert.deepStrictEqual(seenA.firstSeenAt, F.at(1))
        assert.deepStrictEqual(seenA.lastSeenAt, F.at(2))

        // A complete pass that no longer reports b resolves it, by the chain.
        assert.deepStrictEqual(
          yield* repo.record({ reportId: "r3", at: F.at(3), findings: [a], complete: true }),
          {
            opened: 0,
            resolved: 1
          }
        )
        const resolvedB = Option.getOrThrow(yield* repo.get(findingKey(b)))
        assert.strictEqual(resolvedB.state, "resolved")
        assert.strictEqual(resolvedB.resolvedBy, "chain")
        assert.deepStrictEqual(resolvedB.resolvedAt, F.at(3))
        assert.strictEqual((yield* repo.openCounts).chain_orphaned, 1)

        // Reported again later: open again.
        yield* repo.record({ reportId: "r4", at: F.at(4), findings: [a, b], complete: true })
        assert.strictEqual(Option.getOrThrow(yield* repo.get(findingKey(b))).state, "open")
      })
    )

    test(
      "an operator resolves an open finding; listing filters by state and reason, and pages",
      Effect.gen(function* () {
        const repo = yield* FindingRepository
        const findings = [1, 2, 3].map(() => orphan(F.uniqueId("asset")))
        const missing = new Finding({
          reasonCode: "mint_missing",
          action: "mark_missing",
          mintId: F.uniqueId("mint"),
          ticketId: "t",
          signature: null,
          assetId: null,
          details: "gone"
        })
        yield* repo.record({ reportId: "r1", at: F.at(1), findings: [...findings, missing], complete: true })
        const closed = yield* repo.resolve(findingKey(findings[0]!), "operator:alice", F.at(5))
        assert.strictEqual(closed.state, "resolved")
        assert.strictEqual(closed.resolvedBy, "operator:alice")
        const again = yield* F.failureOf(repo.resolve(findingKey(findings[0]!), "operator:alice", F.at(6)))
        assert.strictEqual(again.reason._tag, "NotFound")

        const missingOnly = yield* repo.list({ state: "open", reason: "mint_missing", limit: 10 })
        assert.deepStrictEqual(
          missingOnly.items.map((f) => f.finding),
          [missing]
        )
        const pages: Array<string> = []
        let cursor: string | undefined
        do {
          const page = yield* repo.list({ state: "open", reason: "chain_orphaned", cursor, limit: 1 })
          pages.push(...page.items.map((f) => f.id))
          cursor = page.nextCursor ?? undefined
        } while (cursor !== undefined)
        assert.strictEqual(pages.length, 2)
        assert.strictEqual(new Set(pages).size, 2)
        assert.strictEqual((yield* repo.list({ state: "resolved", limit: 10 })).items.length, 1)
      })
    )
  })
