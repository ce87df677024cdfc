/** Values the contract suites build their cases from. Unique ids per call, fixed instants. */
import { DateTime, Effect, Schema } from "effect"
import { Collection } from "../../Collection.ts"
import { Attempt, type AttemptOutcome, Lease, Mint, MintedAsset, SignedTransaction } from "../../Mint.ts"
import { Creator, MintRequest, TicketMetadataInput } from "../../MintRequest.ts"
import { OutboxEvent, type OutboxTopic } from "../../OutboxEvent.ts"
import { count, Finding, ReconciliationReport } from "../../Reconciliation.ts"
import { Tree, type TreeStatus } from "../../Tree.ts"

const epoch = Date.UTC(2026, 2, 1, 12, 0, 0)

/** An instant `seconds` after the suites' fixed origin. */
export const at = (seconds: number): DateTime.Utc => DateTime.makeUnsafe(epoch + seconds * 1000)

export const owners = [
  "11111111111111111111111111111111",
  "So11111111111111111111111111111111111111112",
  "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
] as const

export const uniqueId = (prefix: string): string => `${prefix}-${globalThis.crypto.randomUUID()}`

export interface MintFields {
  readonly id?: string
  readonly ticketId?: string
  readonly eventId?: string
  readonly owner?: string
  readonly status?: Mint["status"]
  readonly nextAttemptAt?: DateTime.Utc | null
  readonly lease?: Lease | null
  readonly transaction?: SignedTransaction | null
  readonly asset?: MintedAsset | null
  readonly createdAt?: DateTime.Utc
  readonly version?: number
}

export const request = (ticketId: string, eventId = "event-1", owner: string = owners[0]) =>
  new MintRequest({ ticketId, orderId: `order-of-${ticketId}`, eventId, owner })

export const mint = (fields: MintFields = {}): Mint => {
  const ticketId = fields.ticketId ?? uniqueId("ticket")
  const createdAt = fields.createdAt ?? at(0)
  return new Mint({
    id: fields.id ?? uniqueId("mint"),
    ticketId,
    request: request(ticketId, fields.eventId, fields.owner),
    metadataUri: `https://tickets.example/metadata/${ticketId}`,
    status: fields.status ?? "pending",
    attempts: 0,
    maxAttempts: 3,
    nextAttemptAt: fields.nextAttemptAt ?? null,
    lease: fields.lease ?? null,
    transaction: fields.transaction ?? null,
    asset: fields.asset ?? null,
    failure: null,
    version: fields.version ?? 0,
    createdAt,
    updatedAt: createdAt,
    completedAt: null
  })
}

export const lease = (owner: string, expiresAt: DateTime.Utc) => new Lease({ owner, expiresAt })

export const signedTransaction = (signature: string = uniqueId("sig"), signedAt = at(0)) =>
  new SignedTransaction({
    signature,
    lastValidBlockHeight: 1_000_150,
    wire: new Uint8Array([1, 2, 3, 0, 255, 128]),
    tree: "tree-1",
    dataHash: "data-hash-1",
    signedAt
  })

export const asset = (signature: string, assetId: string = uniqueId("asset")) =>
  new MintedAsset({
    assetId,
    tree: "tree-1",
    leafIndex: 7,
    signature,
    slot: 4242,
    owner: owners[0],
    dataHash: "data-hash-1"
  })

/** A mint with every optional part filled, to check that all of it survives a round trip. */
export const fullMint = (): Mint => {
  const base = mint({ status: "completed" })
  const tx = signedTransaction()
  return new Mint({
    ...base,
    request: new MintRequest({
      ...base.request,
      collectionId: "collection-1",
      metadata: new TicketMetadataInput({
        name: "VIP ✦ Ticket",
        symbol: "TCKT",
        eventName: 'Night "Show"',
        sellerFeeBasisPoints: 250,
        creators: [new Creator({ address: owners[1], share: 100 })]
      })
    }),
    attempts: 2,
    nextAttemptAt: at(30),
    lease: lease("worker-x", at(90)),
    transaction: tx,
    asset: asset(tx.signature),
    failure: null,
    version: 5,
    updatedAt: at(45),
    completedAt: at(45)
  })
}

export const attempt = (
  mintId: string,
  signature: string,
  number: number,
  createdAt: DateTime.Utc,
  outcome: AttemptOutcome = "sent"
) =>
  new Attempt({
    mintId,
    signature,
    attempt: number,
    lastValidBlockHeight: 1_000_000 + number,
    wire: new Uint8Array([number, 9, 8, 7]),
    tree: "tree-1",
    outcome,
    createdAt,
    settledAt: null
  })

export const collection = (maxSupply: number | null, id: string = uniqueId("collection")) =>
  new Collection({
    id,
    name: "Summer Festival",
    symbol: "FEST",
    collectionMint: null,
    maxSupply,
    currentSupply: 0,
    createdAt: at(0)
  })

export const tree = (status: TreeStatus, fields: { minted?: number; createdAt?: DateTime.Utc } = {}) =>
  new Tree({
    address: uniqueId("tree"),
    maxDepth: 14,
    maxBufferSize: 64,
    canopyDepth: 10,
    capacity: 16_384,
    minted: fields.minted ?? 0,
    status,
    createdAt: fields.createdAt ?? at(0)
  })

export const report = (startedAt: DateTime.Utc, id: string = uniqueId("report")) => {
  const findings = [
    new Finding({
      reasonCode: "success",
      action: "none",
      mintId: "mint-1",
      ticketId: "ticket-1",
      signature: "sig-1",
      assetId: "asset-1",
      details: "the leaf matches the database"
    }),
    new Finding({
      reasonCode: "chain_orphaned",
      action: "flag",
      mintId: null,
      ticketId: null,
      signature: "sig-2",
      assetId: "asset-2",
      details: "leaf 3 of tree t belongs to no mint"
    }),
    new Finding({
      reasonCode: "db_orphaned",
      action: "requeue",
      mintId: "mint-3",
      ticketId: "ticket-3",
      signature: "sig-3",
      assetId: null,
      details: "signature expired unseen"
    })
  ]
  return new ReconciliationReport({
    id,
    startedAt,
    finishedAt: DateTime.add(startedAt, { seconds: 3 }),
    counts: count([...findings, ...findings]),
    findings,
    rpcCalls: 12,
    examined: 6
  })
}

export const outboxEvent = (createdAt: DateTime.Utc, topic: OutboxTopic = "mint.completed") =>
  new OutboxEvent({
    id: uniqueId("event"),
    topic,
    key: uniqueId("mint"),
    payload: { ticketId: "ticket-1", assetId: "asset-1", nested: { n: 1, list: [1, "two", null] } },
    createdAt,
    sentAt: null
  })

const encodeMint = Schema.encodeSync(Mint)
const encodeReport = Schema.encodeSync(ReconciliationReport)

/** Compared through their encoded form: class instances with equal fields can differ in identity. */
export const encodedMint = (m: Mint): unknown => encodeMint(m)
export const encodedReport = (r: ReconciliationReport): unknown => encodeReport(r)

/** The error `self` fails with; a success is a defect, since the case expected a refusal. */
export const failureOf = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<E, never, R> =>
  Effect.flip(self).pipe(
    Effect.catch((value) => Effect.die(new Error(`expected a failure, got ${String(value)}`)))
  )
