/**
 * Tickets through the HTTP API as the platform sends them: signed with the internal HMAC
 * client, in batches, each refused or unanswered one sent again (the API is idempotent per
 * ticket) until it is accepted or the deadline passes. What the API answered is kept, so a run
 * can check that no 2xx ever came without the ticket being in the database.
 */
import { NodeCrypto } from "@effect/platform-node"
import { MintRequest, type MintStatus, TicketMetadataInput } from "@tickettoken/minting-core"
import { MintingClient } from "@tickettoken/minting-core/client"
import { Effect, Layer, Redacted } from "effect"
import type { Digest, Mac } from "effect/crypto"
import { sleep } from "./ServiceProcess.ts"

/** A well-known address as every ticket's owner. */
export const OWNER = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"

/** A ticket; its id stays short, as the default on-chain name `Ticket #<id>` has 32 bytes at most. */
export const ticket = (ticketId: string): MintRequest =>
  new MintRequest({
    ticketId,
    orderId: `o-${ticketId}`,
    eventId: "fault-run",
    owner: OWNER,
    metadata: new TicketMetadataInput({ eventName: "Fault run" })
  })

export const tickets = (prefix: string, count: number): Array<MintRequest> =>
  Array.from({ length: count }, (_, i) => ticket(`${prefix}-${i}`))

const crypto = Layer.mergeAll(NodeCrypto.layerDigest, NodeCrypto.layerMac)

/** Runs a client call (which signs with node:crypto). */
export const call = <A, E>(effect: Effect.Effect<A, E, Mac.Mac | Digest.Digest>): Promise<A> =>
  Effect.runPromise(effect.pipe(Effect.provide(crypto)))

export const client = (baseUrl: string, secret: string) =>
  MintingClient.make({ baseUrl, secret: Redacted.make(secret) })

/** What one ticket's request got back: an HTTP status (0: no answer) and, when refused, the code. */
export interface Answer {
  readonly ticketId: string
  readonly status: number
  readonly result: "accepted" | "existing" | "refused" | "unanswered"
  readonly code: string | null
}

export interface Submission {
  readonly accepted: ReadonlyArray<string>
  readonly answers: ReadonlyArray<Answer>
  /** Tickets never accepted before the deadline. */
  readonly notAccepted: ReadonlyArray<string>
}

/**
 * Sends the requests in batches to the given services in turn, again and again for the ones
 * not yet accepted, until all are or `deadlineMs` passes.
 */
export const submit = async (
  urls: ReadonlyArray<string> | (() => ReadonlyArray<string>),
  secret: string,
  requests: ReadonlyArray<MintRequest>,
  options: { readonly batchSize?: number; readonly deadlineMs?: number; readonly concurrency?: number } = {}
): Promise<Submission> => {
  const batchSize = options.batchSize ?? 100
  const deadline = Date.now() + (options.deadlineMs ?? 120_000)
  const answers: Array<Answer> = []
  const accepted = new Set<string>()
  let waiting = [...requests]
  let turn = 0
  while (waiting.length > 0 && Date.now() < deadline) {
    const batches: Array<Array<MintRequest>> = []
    for (let i = 0; i < waiting.length; i += batchSize) batches.push(waiting.slice(i, i + batchSize))
    let next = 0
    const worker = async () => {
      while (next < batches.length && Date.now() < deadline) {
        const batch = batches[next++]!
        const list = typeof urls === "function" ? urls() : urls
        const url = list[turn++ % Math.max(1, list.length)]
        if (url === undefined) {
          await sleep(200)
          continue
        }
        try {
          const response = await call(client(url, secret).requestMints(batch))
          for (const item of response.results) {
            const code = item.error?.code ?? null
            answers.push({ ticketId: item.ticketId, status: 200, result: item.result, code })
            if (item.result !== "refused") accepted.add(item.ticketId)
          }
        } catch (error) {
          const e = error as { status?: number; code?: string }
          for (const r of batch)
            answers.push({
              ticketId: r.ticketId,
              status: e.status ?? 0,
              result: "unanswered",
              code: e.code ?? String(error)
            })
          await sleep(250)
        }
      }
    }
    await Promise.all(Array.from({ length: options.concurrency ?? 2 }, worker))
    waiting = waiting.filter((r) => !accepted.has(r.ticketId))
    if (waiting.length > 0) await sleep(250)
  }
  return {
    accepted: requests.filter((r) => accepted.has(r.ticketId)).map((r) => r.ticketId),
    answers,
    notAccepted: waiting.map((r) => r.ticketId)
  }
}

/** Polls until nothing is pending or minting (every mint completed or failed), or the deadline. */
export const settled = async (
  counts: () => Promise<Readonly<Record<MintStatus, number>>>,
  options: {
    readonly timeoutMs?: number
    readonly onPoll?: (counts: Readonly<Record<MintStatus, number>>) => void
  } = {}
): Promise<Readonly<Record<MintStatus, number>>> => {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000)
  let last: Readonly<Record<MintStatus, number>> | undefined
  for (;;) {
    try {
      last = await counts()
      options.onPoll?.(last)
      if (last.pending === 0 && last.minting === 0) return last
    } catch {
      // The database may be away for a moment; ask again.
    }
    if (Date.now() > deadline) {
      throw new Error(`mints did not settle in time: ${JSON.stringify(last)}`)
    }
    await sleep(250)
  }
}
