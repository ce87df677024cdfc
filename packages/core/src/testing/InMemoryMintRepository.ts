import { DateTime, Effect, Layer, Option, Result } from "effect"
import type { Completion } from "../CompletionStats.ts"
import { Attempt, type AttemptOutcome, Mint, type MintStatus, mintStatuses } from "../Mint.ts"
import { transition } from "../MintTransitions.ts"
import type { Page } from "../Page.ts"
import { type ClaimOptions, type ListMintsQuery, MintRepository } from "../ports/MintRepository.ts"
import { ConstraintViolated, notFound, RepositoryError, staleVersion } from "../RepositoryError.ts"
import { InMemoryStore } from "./InMemoryStore.ts"

const millis = (t: DateTime.Utc | null | undefined) =>
  t === null || t === undefined ? Number.NEGATIVE_INFINITY : DateTime.toEpochMillis(t)

/** When a claimable mint became claimable: the order claims take them in. */
const dueAt = (mint: Mint): number =>
  mint.status === "pending" ? millis(mint.nextAttemptAt) : millis(mint.lease?.expiresAt)

const byDue = (a: Mint, b: Mint) =>
  dueAt(a) - dueAt(b) || millis(a.createdAt) - millis(b.createdAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

const newestFirst = (a: Mint, b: Mint) =>
  millis(b.createdAt) - millis(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

const listCursor = (mint: Mint) => `${DateTime.toEpochMillis(mint.createdAt)}:${mint.id}`

const afterListCursor = (cursor: string) => {
  const at = cursor.indexOf(":")
  const time = Number(cursor.slice(0, at))
  const id = cursor.slice(at + 1)
  return (mint: Mint) => {
    const t = millis(mint.createdAt)
    return t < time || (t === time && mint.id < id)
  }
}

const page = <A>(items: ReadonlyArray<A>, limit: number, cursorOf: (a: A) => string): Page<A> => {
  const taken = items.slice(0, Math.max(0, limit))
  const last = taken[taken.length - 1]
  return {
    items: taken,
    nextCursor: items.length > taken.length && last !== undefined ? cursorOf(last) : null
  }
}

const advanced = (mint: Mint, version: number) => new Mint({ ...mint, version })

export const make = Effect.gen(function* () {
  const store = yield* InMemoryStore

  const create = Effect.fn("InMemoryMintRepository.create")((mint: Mint) =>
    store.use((s) => {
      for (const existing of s.mints.values()) {
        if (existing.ticketId === mint.ticketId) return Effect.succeed({ mint: existing, created: false })
      }
      if (s.mints.has(mint.id)) {
        return Effect.fail(
          new RepositoryError({
            reason: new ConstraintViolated({ constraint: "mints_pkey", message: `mint ${mint.id} exists` })
          })
        )
      }
      s.mints.set(mint.id, mint)
      return Effect.succeed({ mint, created: true })
    })
  )

  const find = (predicate: (mint: Mint) => boolean) =>
    store.use((s) => {
      for (const mint of s.mints.values()) if (predicate(mint)) return Effect.succeed(Option.some(mint))
      return Effect.succeed(Option.none<Mint>())
    })

  const get = Effect.fn("InMemoryMintRepository.get")((id: string) =>
    store.use((s) => Effect.succeed(Option.fromNullishOr(s.mints.get(id))))
  )

  const findByTicket = Effect.fn("InMemoryMintRepository.findByTicket")((ticketId: string) =>
    find((m) => m.ticketId === ticketId)
  )

  const findBySignature = Effect.fn("InMemoryMintRepository.findBySignature")((signature: string) =>
    store.use((s) => {
      const attempt = s.attempts.get(signature)
      const mint =
        attempt !== undefined
          ? s.mints.get(attempt.mintId)
          : [...s.mints.values()].find((m) => m.transaction?.signature === signature)
      return Effect.succeed(Option.fromNullishOr(mint))
    })
  )

  const findByAssetId = Effect.fn("InMemoryMintRepository.findByAssetId")((assetId: string) =>
    find((m) => m.asset?.assetId === assetId)
  )

  const list = Effect.fn("InMemoryMintRepository.list")((query: ListMintsQuery) =>
    store.use((s) => {
      const after = query.cursor === undefined ? () => true : afterListCursor(query.cursor)
      const items = [...s.mints.values()]
        .filter(
          (m) =>
            (query.status === undefined || m.status === query.status) &&
            (query.eventId === undefined || m.request.eventId === query.eventId) &&
            (query.owner === undefined || m.request.owner === query.owner) &&
            after(m)
        )
        .sort(newestFirst)
      return Effect.succeed(page(items, query.limit, listCursor))
    })
  )

  const claim = Effect.fn("InMemoryMintRepository.claim")((options: ClaimOptions) =>
    store.use((s) => {
      const event = { _tag: "Claimed", owner: options.owner, leaseExpiresAt: options.leaseExpiresAt } as const
      const claimable = [...s.mints.values()]
        .filter((m) => (options.inFlightOnly === true ? m.status === "minting" : true))
        .filter((m) => Result.isSuccess(transition(m, event, options.now)))
        .sort(byDue)
        .slice(0, Math.max(0, options.limit))
      const claimed = claimable.map((m) => {
        const next = advanced(Result.getOrThrow(transition(m, event, options.now)), m.version + 1)
        s.mints.set(next.id, next)
        return next
      })
      return Effect.succeed(claimed)
    })
  )

  const save = Effect.fn("InMemoryMintRepository.save")((mint: Mint, expectedVersion: number) =>
    store.use((s) => {
      const stored = s.mints.get(mint.id)
      if (stored === undefined) return Effect.fail(notFound("mint", mint.id))
      if (stored.version !== expectedVersion) return Effect.fail(staleVersion(mint.id, expectedVersion))
      const next = advanced(mint, expectedVersion + 1)
      s.mints.set(next.id, next)
      return Effect.succeed(next)
    })
  )

  const saveMany = Effect.fn("InMemoryMintRepository.saveMany")(
    (writes: ReadonlyArray<{ readonly mint: Mint; readonly expectedVersion: number }>) =>
      store.use((s) => {
        for (const { mint, expectedVersion } of writes) {
          const stored = s.mints.get(mint.id)
          if (stored === undefined) return Effect.fail(notFound("mint", mint.id))
          if (stored.version !== expectedVersion) return Effect.fail(staleVersion(mint.id, expectedVersion))
        }
        if (new Set(writes.map((w) => w.mint.id)).size !== writes.length) {
          return Effect.die(new Error("saveMany: a mint appears twice in one batch"))
        }
        return Effect.succeed(
          writes.map(({ mint, expectedVersion }) => {
            const next = advanced(mint, expectedVersion + 1)
            s.mints.set(next.id, next)
            return next
          })
        )
      })
  )

  const recordAttempt = Effect.fn("InMemoryMintRepository.recordAttempt")((attempt: Attempt) =>
    store.use((s) => {
      if (!s.mints.has(attempt.mintId)) {
        return Effect.fail(
          new RepositoryError({
            reason: new ConstraintViolated({
              constraint: "mint_attempts_mint_id_fkey",
              message: `no mint ${attempt.mintId} for attempt ${attempt.signature}`
            })
          })
        )
      }
      // A signature is recorded once; recording it again (a retried write) changes nothing.
      if (!s.attempts.has(attempt.signature)) s.attempts.set(attempt.signature, attempt)
      return Effect.void
    })
  )

  const recordAttempts = Effect.fn("InMemoryMintRepository.recordAttempts")(
    (attempts: ReadonlyArray<Attempt>) => Effect.forEach(attempts, recordAttempt, { discard: true })
  )

  const settleAttempts = Effect.fn("InMemoryMintRepository.settleAttempts")(
    (signatures: ReadonlyArray<string>, outcome: AttemptOutcome, at: DateTime.Utc) =>
      store.use((s) => {
        const unknown = signatures.find((signature) => !s.attempts.has(signature))
        if (unknown !== undefined) return Effect.fail(notFound("attempt", unknown))
        for (const signature of signatures)
          s.attempts.set(signature, new Attempt({ ...s.attempts.get(signature)!, outcome, settledAt: at }))
        return Effect.void
      })
  )

  const settleAttempt = Effect.fn("InMemoryMintRepository.settleAttempt")(
    (signature: string, outcome: AttemptOutcome, at: DateTime.Utc) =>
      store.use((s) => {
        const attempt = s.attempts.get(signature)
        if (attempt === undefined) return Effect.fail(notFound("attempt", signature))
        s.attempts.set(signature, new Attempt({ ...attempt, outcome, settledAt: at }))
        return Effect.void
      })
  )

  const attempts = Effect.fn("InMemoryMintRepository.attempts")((mintId: string) =>
    store.use((s) =>
      Effect.succeed(
        [...s.attempts.values()]
          .filter((a) => a.mintId === mintId)
          .sort((a, b) => millis(a.createdAt) - millis(b.createdAt) || a.attempt - b.attempt)
      )
    )
  )

  const signaturesOf = Effect.fn("InMemoryMintRepository.signaturesOf")((mintIds: ReadonlyArray<string>) =>
    store.use((s) => {
      const wanted = new Set(mintIds)
      const out = new Map<string, Array<{ signature: string; at: number; attempt: number }>>()
      for (const a of s.attempts.values()) {
        if (!wanted.has(a.mintId)) continue
        const list = out.get(a.mintId) ?? []
        list.push({ signature: a.signature, at: millis(a.createdAt), attempt: a.attempt })
        out.set(a.mintId, list)
      }
      return Effect.succeed(
        new Map(
          [...out].map(([id, list]) => [
            id,
            list.sort((a, b) => a.at - b.at || a.attempt - b.attempt).map((a) => a.signature)
          ])
        ) as ReadonlyMap<string, ReadonlyArray<string>>
      )
    })
  )

  const scan = Effect.fn("InMemoryMintRepository.scan")(
    (statuses: ReadonlyArray<MintStatus>, cursor: string | null, limit: number) =>
      store.use((s) => {
        const items = [...s.mints.values()]
          .filter((m) => statuses.includes(m.status) && (cursor === null || m.id > cursor))
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        return Effect.succeed(page(items, limit, (m) => m.id))
      })
  )

  const countByStatus = Effect.fn("InMemoryMintRepository.countByStatus")(() =>
    store.use((s) => {
      const counts = Object.fromEntries(mintStatuses.map((status) => [status, 0])) as Record<
        MintStatus,
        number
      >
      for (const m of s.mints.values()) counts[m.status]++
      return Effect.succeed(counts)
    })
  )

  const completedSince = Effect.fn("InMemoryMintRepository.completedSince")(
    (since: DateTime.Utc, limit: number) =>
      store.use((s) => {
        const from = DateTime.toEpochMillis(since)
        const out: Array<Completion> = []
        for (const m of s.mints.values()) {
          if (m.status !== "completed" || m.completedAt === null) continue
          const completedAt = DateTime.toEpochMillis(m.completedAt)
          if (completedAt >= from) out.push({ createdAt: DateTime.toEpochMillis(m.createdAt), completedAt })
        }
        out.sort((a, b) => b.completedAt - a.completedAt)
        return Effect.succeed(out.slice(0, Math.max(0, limit)))
      })
  )

  return MintRepository.of({
    create,
    get,
    findByTicket,
    findBySignature,
    findByAssetId,
    list,
    claim,
    save,
    saveMany,
    recordAttempt,
    recordAttempts,
    settleAttempt,
    settleAttempts,
    attempts,
    signaturesOf,
    scan,
    countByStatus,
    completedSince
  })
})

export const layer: Layer.Layer<MintRepository, never, InMemoryStore> = Layer.effect(MintRepository, make)
