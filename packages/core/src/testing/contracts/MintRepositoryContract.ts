/**
 * What every MintRepository must do. Each case runs on a fresh build of the given layer, so an
 * adapter's layer should hand out an empty store each time it is built.
 */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, type Layer, Option } from "effect"
import { Mint, mintStatuses } from "../../Mint.ts"
import { transition } from "../../MintTransitions.ts"
import type { Page } from "../../Page.ts"
import { MintRepository } from "../../ports/MintRepository.ts"
import type { RepositoryError } from "../../RepositoryError.ts"
import * as F from "./Fixtures.ts"

const reasonOf = (error: RepositoryError) => error.reason._tag

export const suite = <E>(name: string, layer: Layer.Layer<MintRepository, E>) =>
  describe(`MintRepository contract: ${name}`, () => {
    const test = (
      title: string,
      body: Effect.Effect<void, E | RepositoryError, MintRepository>,
      timeout = 30_000
    ) => it.live(title, () => Effect.provide(body, layer), timeout)

    test(
      "create stores every field and reads back the same mint",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const full = F.fullMint()
        const created = yield* repo.create(full)
        assert.isTrue(created.created)
        assert.deepStrictEqual(F.encodedMint(created.mint), F.encodedMint(full))
        const byId = yield* repo.get(full.id)
        assert.deepStrictEqual(F.encodedMint(Option.getOrThrow(byId)), F.encodedMint(full))
        const byTicket = yield* repo.findByTicket(full.ticketId)
        assert.deepStrictEqual(F.encodedMint(Option.getOrThrow(byTicket)), F.encodedMint(full))
        assert.isTrue(Option.isNone(yield* repo.get("no-such-mint")))
        assert.isTrue(Option.isNone(yield* repo.findByTicket("no-such-ticket")))
      })
    )

    test(
      "create is idempotent by ticket: the same ticket returns the existing mint, created false",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const first = F.mint()
        const again = F.mint({ ticketId: first.ticketId, eventId: "another-event" })
        assert.isTrue((yield* repo.create(first)).created)
        const second = yield* repo.create(again)
        assert.isFalse(second.created)
        assert.strictEqual(second.mint.id, first.id)
        assert.strictEqual(second.mint.request.eventId, first.request.eventId)
        assert.isTrue(Option.isNone(yield* repo.get(again.id)))
      })
    )

    test(
      "concurrent creates for one ticket leave one mint",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const ticketId = F.uniqueId("ticket")
        const results = yield* Effect.forEach(
          Array.from({ length: 20 }, () => F.mint({ ticketId })),
          (m) => repo.create(m),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.filter((r) => r.created).length, 1)
        assert.strictEqual(new Set(results.map((r) => r.mint.id)).size, 1)
        const counts = yield* repo.countByStatus()
        assert.strictEqual(counts.pending, 1)
      })
    )

    test(
      "completedSince returns the completions at or after the instant, newest first, at most the limit",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const completedAt = (m: Mint, seconds: number) =>
          new Mint({
            ...m,
            status: "completed",
            asset: F.asset(F.uniqueId("sig")),
            completedAt: F.at(seconds),
            updatedAt: F.at(seconds)
          })
        const created = yield* Effect.forEach([10, 20, 30, 40], (seconds) =>
          repo.create(completedAt(F.mint({ createdAt: F.at(seconds - 5) }), seconds))
        )
        assert.strictEqual(created.length, 4)
        yield* repo.create(F.mint({ createdAt: F.at(25) }))
        const recent = yield* repo.completedSince(F.at(20), 10)
        assert.deepStrictEqual(
          recent.map((c) => [c.createdAt, c.completedAt]),
          [40, 30, 20].map((s) => [F.at(s - 5), F.at(s)].map(DateTime.toEpochMillis))
        )
        assert.strictEqual((yield* repo.completedSince(F.at(0), 2)).length, 2)
        assert.strictEqual((yield* repo.completedSince(F.at(41), 10)).length, 0)
      })
    )

    test(
      "save writes under the expected version and advances it by one",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const { mint } = yield* repo.create(F.mint({ version: 0 }))
        const claimed = new Mint({ ...mint, status: "minting", lease: F.lease("w", F.at(60)) })
        const saved = yield* repo.save(claimed, 0)
        assert.strictEqual(saved.version, 1)
        assert.strictEqual(saved.status, "minting")
        const stored = Option.getOrThrow(yield* repo.get(mint.id))
        assert.strictEqual(stored.version, 1)
        assert.strictEqual(stored.lease?.owner, "w")

        const stale = yield* F.failureOf(repo.save(mint, 0))
        assert.strictEqual(reasonOf(stale), "StaleVersion")
        const unchanged = Option.getOrThrow(yield* repo.get(mint.id))
        assert.strictEqual(unchanged.version, 1)
        assert.strictEqual(unchanged.status, "minting")

        const missing = yield* F.failureOf(repo.save(F.mint(), 0))
        assert.strictEqual(reasonOf(missing), "NotFound")
      })
    )

    test(
      "saveMany writes a batch under the expected versions, all or nothing",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const made = Array.from({ length: 5 }, () => F.mint())
        for (const m of made) yield* repo.create(m)
        // The first one carries a signed transaction, so its bytes go through the batch too.
        const leased = made.map(
          (m, i) =>
            new Mint({
              ...m,
              status: "minting",
              lease: F.lease("w", F.at(60)),
              transaction: i === 0 ? F.signedTransaction() : null
            })
        )
        const saved = yield* repo.saveMany(leased.map((mint) => ({ mint, expectedVersion: 0 })))
        assert.deepStrictEqual(
          saved.map((m) => [m.id, m.version, m.status]),
          made.map((m) => [m.id, 1, "minting"])
        )
        for (const m of saved) {
          assert.deepStrictEqual(F.encodedMint(Option.getOrThrow(yield* repo.get(m.id))), F.encodedMint(m))
        }

        // One stale version among them: nothing of the batch is written.
        const completed = saved.map(
          (m, i) => new Mint({ ...m, status: "completed", lease: null, asset: F.asset(`sig-${i}`) })
        )
        const stale = yield* F.failureOf(
          repo.saveMany(completed.map((mint, i) => ({ mint, expectedVersion: i === 3 ? 0 : 1 })))
        )
        assert.strictEqual(reasonOf(stale), "StaleVersion")
        const counts = yield* repo.countByStatus()
        assert.strictEqual(counts.completed, 0)
        assert.strictEqual(counts.minting, 5)

        const missing = yield* F.failureOf(
          repo.saveMany([
            { mint: completed[0]!, expectedVersion: 1 },
            { mint: F.mint(), expectedVersion: 0 }
          ])
        )
        assert.strictEqual(reasonOf(missing), "NotFound")
        assert.strictEqual((yield* repo.countByStatus()).completed, 0)

        assert.deepStrictEqual(yield* repo.saveMany([]), [])
        const done = yield* repo.saveMany(completed.map((mint) => ({ mint, expectedVersion: 1 })))
        assert.isTrue(done.every((m) => m.version === 2 && m.status === "completed"))
        assert.strictEqual(
          Option.getOrThrow(yield* repo.findByAssetId(completed[2]!.asset!.assetId)).id,
          completed[2]!.id
        )
      })
    )

    test(
      "claim takes due pending mints and lapsed leases only, as MintTransitions' Claimed does",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const now = F.at(100)
        const dueNull = F.mint()
        const duePast = F.mint({ nextAttemptAt: F.at(50) })
        const dueNow = F.mint({ nextAttemptAt: now })
        const later = F.mint({ nextAttemptAt: F.at(101) })
        const leased = F.mint({ status: "minting", lease: F.lease("other", F.at(200)) })
        const lapsed = F.mint({
          status: "minting",
          lease: F.lease("other", F.at(100)),
          transaction: F.signedTransaction()
        })
        const unleased = F.mint({ status: "minting" })
        const done = F.mint({ status: "completed" })
        const failed = F.mint({ status: "failed" })
        const all = [dueNull, duePast, dueNow, later, leased, lapsed, unleased, done, failed]
        for (const m of all) yield* repo.create(m)

        const claimed = yield* repo.claim({ owner: "me", now, leaseExpiresAt: F.at(130), limit: 100 })
        const ids = new Set(claimed.map((m) => m.id))
        assert.deepStrictEqual(
          [...ids].sort(),
          [dueNull, duePast, dueNow, lapsed, unleased].map((m) => m.id).sort()
        )
        const event = { _tag: "Claimed", owner: "me", leaseExpiresAt: F.at(130) } as const
        for (const m of all) {
          const expected = transition(m, event, now)
          assert.strictEqual(ids.has(m.id), expected._tag === "Success", `claimability of ${m.id}`)
        }
        for (const m of claimed) {
          const before = all.find((b) => b.id === m.id)!
          assert.strictEqual(m.status, "minting")
          assert.strictEqual(m.lease?.owner, "me")
          assert.strictEqual(m.version, before.version + 1)
          assert.isNull(m.nextAttemptAt)
          const stored = Option.getOrThrow(yield* repo.get(m.id))
          assert.deepStrictEqual(F.encodedMint(stored), F.encodedMint(m))
        }
        const takenOver = claimed.find((m) => m.id === lapsed.id)!
        assert.strictEqual(takenOver.transaction?.signature, lapsed.transaction?.signature)

        const again = yield* repo.claim({ owner: "you", now, leaseExpiresAt: F.at(130), limit: 100 })
        assert.strictEqual(again.length, 0)
      })
    )

    test(
      "claim takes the oldest due first, up to the limit",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const m3 = F.mint({ nextAttemptAt: F.at(30) })
        const m1 = F.mint({ nextAttemptAt: F.at(10) })
        const lapsed2 = F.mint({ status: "minting", lease: F.lease("gone", F.at(20)) })
        const m4 = F.mint({ nextAttemptAt: F.at(40) })
        for (const m of [m3, m1, lapsed2, m4]) yield* repo.create(m)
        const options = { owner: "w", now: F.at(50), leaseExpiresAt: F.at(90), limit: 2 }
        const first = yield* repo.claim(options)
        assert.deepStrictEqual(
          first.map((m) => m.id),
          [m1.id, lapsed2.id]
        )
        const second = yield* repo.claim(options)
        assert.deepStrictEqual(
          second.map((m) => m.id),
          [m3.id, m4.id]
        )
        assert.strictEqual((yield* repo.claim(options)).length, 0)
        assert.strictEqual((yield* repo.claim({ ...options, limit: 0 })).length, 0)
      })
    )

    test(
      "claim with inFlightOnly takes only minting mints whose lease lapsed",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const pending = F.mint()
        const lapsed = F.mint({ status: "minting", lease: F.lease("gone", F.at(5)) })
        const live = F.mint({ status: "minting", lease: F.lease("alive", F.at(500)) })
        for (const m of [pending, lapsed, live]) yield* repo.create(m)
        const claimed = yield* repo.claim({
          owner: "recovery",
          now: F.at(10),
          leaseExpiresAt: F.at(40),
          limit: 10,
          inFlightOnly: true
        })
        assert.deepStrictEqual(
          claimed.map((m) => m.id),
          [lapsed.id]
        )
        assert.strictEqual(Option.getOrThrow(yield* repo.get(pending.id)).status, "pending")
      })
    )

    test(
      "concurrent claimers never get the same mint, and none is lost",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const mints = Array.from({ length: 200 }, (_, i) => F.mint({ nextAttemptAt: F.at(i % 50) }))
        yield* Effect.forEach(mints, (m) => repo.create(m), { concurrency: 8 })
        const claimer = (owner: string) =>
          Effect.gen(function* () {
            const mine: Array<string> = []
            while (true) {
              const batch = yield* repo.claim({ owner, now: F.at(100), leaseExpiresAt: F.at(200), limit: 7 })
              if (batch.length === 0) return mine
              for (const m of batch) {
                assert.strictEqual(m.lease?.owner, owner)
                mine.push(m.id)
              }
            }
          })
        const perClaimer = yield* Effect.forEach(
          Array.from({ length: 8 }, (_, i) => `worker-${i}`),
          claimer,
          { concurrency: "unbounded" }
        )
        const claimed = perClaimer.flat()
        assert.strictEqual(claimed.length, mints.length)
        assert.strictEqual(new Set(claimed).size, mints.length)
        const counts = yield* repo.countByStatus()
        assert.strictEqual(counts.minting, mints.length)
        assert.strictEqual(counts.pending, 0)
      }),
      60_000
    )

    test(
      "a lease taken over makes the old holder's save fail with StaleVersion",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        yield* repo.create(F.mint())
        const [mine] = yield* repo.claim({ owner: "a", now: F.at(0), leaseExpiresAt: F.at(30), limit: 1 })
        assert.isDefined(mine)
        const stillLeased = yield* repo.claim({
          owner: "b",
          now: F.at(29),
          leaseExpiresAt: F.at(60),
          limit: 1
        })
        assert.strictEqual(stillLeased.length, 0)
        const [theirs] = yield* repo.claim({ owner: "b", now: F.at(31), leaseExpiresAt: F.at(90), limit: 1 })
        assert.strictEqual(theirs?.id, mine!.id)
        assert.strictEqual(theirs?.lease?.owner, "b")

        const signed = transition(
          mine!,
          { _tag: "Signed", transaction: F.signedTransaction(undefined, F.at(31)) },
          F.at(31)
        )
        assert.strictEqual(signed._tag, "Success")
        if (signed._tag !== "Success") return
        const refused = yield* F.failureOf(repo.save(signed.success, mine!.version))
        assert.strictEqual(reasonOf(refused), "StaleVersion")
        const stored = Option.getOrThrow(yield* repo.get(mine!.id))
        assert.strictEqual(stored.lease?.owner, "b")
        assert.isNull(stored.transaction)
        const saved = yield* repo.save(stored, stored.version)
        assert.strictEqual(saved.version, stored.version + 1)
      })
    )

    test(
      "list is newest first, filters by status, event and owner, and pages with a cursor",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const made = [
          F.mint({ createdAt: F.at(1), eventId: "e1", owner: F.owners[0] }),
          F.mint({ createdAt: F.at(2), eventId: "e1", owner: F.owners[1], status: "completed" }),
          F.mint({ createdAt: F.at(3), eventId: "e2", owner: F.owners[0] }),
          F.mint({ createdAt: F.at(3), eventId: "e2", owner: F.owners[1], status: "failed" }),
          F.mint({ createdAt: F.at(3), eventId: "e1", owner: F.owners[0], status: "completed" }),
          F.mint({ createdAt: F.at(5), eventId: "e2", owner: F.owners[2] }),
          F.mint({ createdAt: F.at(6), eventId: "e1", owner: F.owners[0] })
        ]
        for (const m of made) yield* repo.create(m)
        const newestFirst = [...made].sort(
          (a, b) => b.createdAt.epochMilliseconds - a.createdAt.epochMilliseconds || (a.id < b.id ? 1 : -1)
        )
        const all = yield* repo.list({ limit: 100 })
        assert.deepStrictEqual(
          all.items.map((m) => m.id),
          newestFirst.map((m) => m.id)
        )
        assert.isNull(all.nextCursor)

        const ids = (xs: ReadonlyArray<{ id: string }>) => xs.map((m) => m.id)
        const byStatus = yield* repo.list({ status: "completed", limit: 100 })
        assert.deepStrictEqual(ids(byStatus.items), ids(newestFirst.filter((m) => m.status === "completed")))
        const byEvent = yield* repo.list({ eventId: "e2", limit: 100 })
        assert.deepStrictEqual(ids(byEvent.items), ids(newestFirst.filter((m) => m.request.eventId === "e2")))
        const byOwner = yield* repo.list({ owner: F.owners[0], eventId: "e1", limit: 100 })
        assert.deepStrictEqual(
          ids(byOwner.items),
          ids(newestFirst.filter((m) => m.request.owner === F.owners[0] && m.request.eventId === "e1"))
        )
        const none = yield* repo.list({ status: "missing_on_chain", limit: 10 })
        assert.strictEqual(none.items.length, 0)
        assert.isNull(none.nextCursor)

        const paged: Array<string> = []
        let cursor: string | undefined
        for (let pages = 0; pages < 10; pages++) {
          const page = yield* repo.list({ limit: 3, cursor })
          assert.isAtMost(page.items.length, 3)
          paged.push(...ids(page.items))
          if (page.nextCursor === null) break
          cursor = page.nextCursor
        }
        assert.deepStrictEqual(paged, ids(newestFirst))

        const filteredPages: Array<string> = []
        let c2: string | undefined
        for (let pages = 0; pages < 10; pages++) {
          const page = yield* repo.list({ eventId: "e1", limit: 1, cursor: c2 })
          filteredPages.push(...ids(page.items))
          if (page.nextCursor === null) break
          c2 = page.nextCursor
        }
        assert.deepStrictEqual(filteredPages, ids(newestFirst.filter((m) => m.request.eventId === "e1")))
      })
    )

    test(
      "scan walks the given statuses in id order, page by page",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const made = Array.from({ length: 11 }, (_, i) =>
          F.mint({ status: i % 3 === 0 ? "completed" : i % 3 === 1 ? "minting" : "pending" })
        )
        for (const m of made) yield* repo.create(m)
        const wanted = made
          .filter((m) => m.status === "completed" || m.status === "minting")
          .map((m) => m.id)
          .sort()
        const seen: Array<string> = []
        let cursor: string | null = null
        for (let pages = 0; pages < 20; pages++) {
          const page: Page<Mint> = yield* repo.scan(["completed", "minting"], cursor, 3)
          assert.isAtMost(page.items.length, 3)
          for (const m of page.items) assert.include(["completed", "minting"], m.status)
          seen.push(...page.items.map((m) => m.id))
          if (page.nextCursor === null) break
          cursor = page.nextCursor
        }
        assert.deepStrictEqual(seen, wanted)
        const empty = yield* repo.scan(["missing_on_chain"], null, 5)
        assert.deepStrictEqual(empty, { items: [], nextCursor: null })
        // Every status (the reconciler's scan), named in any order and some twice: every mint once.
        const all: Array<string> = []
        cursor = null
        for (let pages = 0; pages < 20; pages++) {
          const page: Page<Mint> = yield* repo.scan([...[...mintStatuses].reverse(), "pending"], cursor, 4)
          assert.isAtMost(page.items.length, 4)
          all.push(...page.items.map((m) => m.id))
          if (page.nextCursor === null) break
          cursor = page.nextCursor
        }
        assert.deepStrictEqual(all, made.map((m) => m.id).sort())
      })
    )

    test(
      "attempts are kept oldest first; findBySignature finds past and current signatures",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const current = F.signedTransaction()
        const { mint } = yield* repo.create(F.mint({ status: "minting", transaction: current }))
        const other = (yield* repo.create(F.mint())).mint
        const old = F.attempt(mint.id, F.uniqueId("sig"), 1, F.at(1), "expired")
        const live = F.attempt(mint.id, current.signature, 2, F.at(2))
        yield* repo.recordAttempt(live)
        yield* repo.recordAttempt(old)
        yield* repo.recordAttempt(old)
        yield* repo.recordAttempt(F.attempt(other.id, F.uniqueId("sig"), 1, F.at(1)))

        const attempts = yield* repo.attempts(mint.id)
        assert.deepStrictEqual(
          attempts.map((a) => a.signature),
          [old.signature, live.signature]
        )
        assert.deepStrictEqual([...attempts[1]!.wire], [...live.wire])
        assert.strictEqual(attempts[0]!.lastValidBlockHeight, old.lastValidBlockHeight)
        assert.strictEqual(attempts[0]!.outcome, "expired")

        assert.strictEqual(Option.getOrThrow(yield* repo.findBySignature(old.signature)).id, mint.id)
        assert.strictEqual(Option.getOrThrow(yield* repo.findBySignature(current.signature)).id, mint.id)
        assert.isTrue(Option.isNone(yield* repo.findBySignature("never-issued")))
        assert.deepStrictEqual(yield* repo.attempts("no-such-mint"), [])

        // Every mint's signatures in one call, oldest first; a mint with none is left out.
        const signatures = yield* repo.signaturesOf([mint.id, other.id, "no-such-mint"])
        assert.deepStrictEqual(signatures.get(mint.id), [old.signature, live.signature])
        assert.strictEqual(signatures.get(other.id)?.length, 1)
        assert.isFalse(signatures.has("no-such-mint"))
        assert.strictEqual((yield* repo.signaturesOf([])).size, 0)

        const orphan = yield* F.failureOf(
          repo.recordAttempt(F.attempt("no-such-mint", F.uniqueId("sig"), 1, F.at(1)))
        )
        assert.strictEqual(reasonOf(orphan), "ConstraintViolated")
      })
    )

    test(
      "settleAttempt records the outcome and when; an unknown signature is NotFound",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const { mint } = yield* repo.create(F.mint({ status: "minting" }))
        const a = F.attempt(mint.id, F.uniqueId("sig"), 1, F.at(1))
        yield* repo.recordAttempt(a)
        yield* repo.settleAttempt(a.signature, "landed", F.at(9))
        const [settled] = yield* repo.attempts(mint.id)
        assert.strictEqual(settled?.outcome, "landed")
        assert.strictEqual(settled?.settledAt?.epochMilliseconds, F.at(9).epochMilliseconds)
        const missing = yield* F.failureOf(repo.settleAttempt("never-issued", "failed", F.at(9)))
        assert.strictEqual(reasonOf(missing), "NotFound")
      })
    )

    test(
      "recordAttempts and settleAttempts: many at once; one unknown signature settles none",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const { mint } = yield* repo.create(F.mint({ status: "minting" }))
        const other = (yield* repo.create(F.mint({ status: "minting" }))).mint
        const a = F.attempt(mint.id, F.uniqueId("sig"), 1, F.at(1))
        const b = F.attempt(other.id, F.uniqueId("sig"), 1, F.at(2))
        yield* repo.recordAttempts([a, b])
        yield* repo.recordAttempts([a])
        yield* repo.recordAttempts([])
        assert.deepStrictEqual(
          [...(yield* repo.attempts(mint.id)), ...(yield* repo.attempts(other.id))].map((x) => x.signature),
          [a.signature, b.signature]
        )
        const missing = yield* F.failureOf(
          repo.settleAttempts([a.signature, "never-issued"], "landed", F.at(9))
        )
        assert.strictEqual(reasonOf(missing), "NotFound")
        assert.strictEqual((yield* repo.attempts(mint.id))[0]?.outcome, "sent")
        yield* repo.settleAttempts([a.signature, b.signature], "landed", F.at(9))
        yield* repo.settleAttempts([], "landed", F.at(9))
        for (const id of [mint.id, other.id]) {
          const [settled] = yield* repo.attempts(id)
          assert.strictEqual(settled?.outcome, "landed")
          assert.strictEqual(settled?.settledAt?.epochMilliseconds, F.at(9).epochMilliseconds)
        }
        const orphan = yield* F.failureOf(
          repo.recordAttempts([F.attempt("no-such-mint", F.uniqueId("sig"), 1, F.at(1))])
        )
        assert.strictEqual(reasonOf(orphan), "ConstraintViolated")
      })
    )

    test(
      "findByAssetId finds a completed mint by its asset",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const full = F.fullMint()
        yield* repo.create(full)
        yield* repo.create(F.mint())
        const found = yield* repo.findByAssetId(full.asset!.assetId)
        assert.strictEqual(Option.getOrThrow(found).id, full.id)
        assert.isTrue(Option.isNone(yield* repo.findByAssetId("no-such-asset")))
      })
    )

    test(
      "countByStatus counts every status, zero included",
      Effect.gen(function* () {
        const repo = yield* MintRepository
        const empty = yield* repo.countByStatus()
        for (const status of mintStatuses) assert.strictEqual(empty[status], 0)
        for (const status of ["pending", "pending", "completed", "failed", "imported"] as const) {
          yield* repo.create(F.mint({ status }))
        }
        const counts = yield* repo.countByStatus()
        assert.deepStrictEqual(counts, {
          pending: 2,
          minting: 0,
          completed: 1,
          failed: 1,
          missing_on_chain: 0,
          imported: 1
        })
      })
    )
  })
