/** Outbox events for the tests: distinct ids per run, creation times in the order given. */
import { OutboxEvent, type OutboxTopic } from "@tickettoken/minting-core"
import { DateTime } from "effect"
import { unique } from "./Broker.ts"

const base = Date.UTC(2026, 10, 1, 12, 0, 0)

export const events = (
  specs: ReadonlyArray<readonly [key: string, topic: OutboxTopic]>,
  prefix = unique("evt")
): ReadonlyArray<OutboxEvent> =>
  specs.map(
    ([key, topic], i) =>
      new OutboxEvent({
        id: `${prefix}-${String(i).padStart(5, "0")}`,
        topic,
        key,
        payload: { mintId: key, ticketId: `ticket-${key}`, n: i },
        createdAt: DateTime.makeUnsafe(base + i),
        sentAt: null
      })
  )

const topics: ReadonlyArray<OutboxTopic> = ["mint.requested", "mint.completed", "mint.failed", "mint.missing"]

/** `count` events spread over `keys` mints, each mint's topics in a plausible order. */
export const many = (count: number, keys: number, prefix?: string): ReadonlyArray<OutboxEvent> =>
  events(
    Array.from(
      { length: count },
      (_, i) => [`mint-${i % keys}`, topics[Math.floor(i / keys) % topics.length]!] as const
    ),
    prefix
  )
