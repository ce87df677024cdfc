/**
 * The platform's `tickets` table, as far as this service touches it. Without known tickets it
 * behaves like a database without the platform's table: nothing is updated, nothing fails.
 * Every call is recorded (and rolled back with its transaction) so tests can see them.
 */
import { type DateTime, Effect, Layer } from "effect"
import { TicketLedger } from "../ports/TicketLedger.ts"
import { InMemoryStore, type TicketMarked } from "./InMemoryStore.ts"

export interface Options {
  /** Tickets the platform knows; `markMinted` updates (returns true for) only these. */
  readonly knownTickets?: Iterable<string> | undefined
}

export const make = (options: Options = {}) =>
  Effect.gen(function* () {
    const store = yield* InMemoryStore
    const known = new Set(options.knownTickets ?? [])
    return TicketLedger.of({
      markMinted: Effect.fn("InMemoryTicketLedger.markMinted")(
        (ticketId: string, assetId: string, at: DateTime.Utc) =>
          store.use((s) =>
            Effect.sync(() => {
              const updated = known.has(ticketId)
              s.ticketsMarked.push({ ticketId, assetId, at, updated })
              return updated
            })
          )
      )
    })
  })

export const layer = (options: Options = {}): Layer.Layer<TicketLedger, never, InMemoryStore> =>
  Layer.effect(TicketLedger, make(options))

/** Every `markMinted` call that was not rolled back, oldest first. */
export const calls: Effect.Effect<ReadonlyArray<TicketMarked>, never, InMemoryStore> = InMemoryStore.use(
  (store) => Effect.map(store.snapshot, (s) => s.ticketsMarked)
)
