/**
 * scanTree's paging over an address's history, on plain transfers to one address (no program
 * binaries; transfers mint nothing, so the pages are checked by their checkpoints and by the RPC
 * calls they cost): newest-first pages are read back to the checkpoint once, handed out oldest
 * first, and the getTransaction reads go in JSON-RPC batches.
 */
import { describe, expect, layer } from "@effect/vitest"
import { transferSol } from "@metaplex-foundation/mpl-toolbox"
import { generateSigner, lamports, publicKey } from "@metaplex-foundation/umi"
import { base58 } from "@metaplex-foundation/umi/serializers"
import { Effect, Layer, Schedule } from "effect"
import { BubblegumGateway } from "../src/BubblegumGateway.ts"
import { SolanaClient, type SolanaClientShape } from "../src/SolanaClient.ts"
import { makeSolanaRpc } from "../src/SolanaRpc.ts"
import { makeTransactions } from "../src/Transactions.ts"
import { clientLayer, localnetLayer } from "./TestLocalnet.ts"

const calls = (client: SolanaClientShape, method: string) => client.tally.byMethod[method] ?? 0

/** `count` transfers to `destination`, each landed before the next is sent, so their order is known. */
const transfersTo = (client: SolanaClientShape, destination: string, count: number) =>
  Effect.gen(function* () {
    const transactions = yield* makeTransactions(client)
    const chain = yield* BubblegumGateway.make(client)
    const signatures: Array<string> = []
    for (let i = 0; i < count; i++) {
      const signed = yield* transactions.prepare(
        transferSol(client.umi, {
          destination: publicKey(destination),
          amount: lamports(1_000_000n + BigInt(i))
        })
      )
      yield* transactions.send(signed.wire)
      yield* chain
        .statuses([signed.signature])
        .pipe(Effect.repeat({ until: ([o]) => o?.state === "landed", schedule: Schedule.spaced("5 millis") }))
      signatures.push(signed.signature)
    }
    return signatures
  })

/** Many transfers at once, signed without simulations and sent in JSON-RPC batches. */
const manyTransfersTo = (client: SolanaClientShape, destination: string, count: number) =>
  Effect.gen(function* () {
    const transactions = yield* makeTransactions(client)
    const blockhash = yield* transactions.latestBlockhash
    const signed = yield* Effect.promise(() =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          transferSol(client.umi, {
            destination: publicKey(destination),
            amount: lamports(1_000_000n + BigInt(i))
          })
            .setBlockhash(blockhash)
            .buildAndSign(client.umi)
        )
      )
    )
    yield* client.rpc.batch(
      "sendTransaction",
      signed.map((tx) => [
        Buffer.from(client.umi.transactions.serialize(tx)).toString("base64"),
        { encoding: "base64", skipPreflight: true, maxRetries: 0 }
      ])
    )
    return signed.map((tx) => base58.deserialize(tx.signatures[0]!)[0])
  })

describe("scanTree paging", () => {
  layer(clientLayer().pipe(Layer.provideMerge(localnetLayer(false))), { excludeTestServices: true })((it) => {
    it.effect("pages of 10 back to the checkpoint, handed out oldest first, read once", () =>
      Effect.gen(function* () {
        const client = yield* SolanaClient
        const address = generateSigner(client.umi).publicKey
        const chain = yield* BubblegumGateway.make(client, { signaturePageSize: 10 })
        const sent = yield* transfersTo(client, address, 25)

        const pagesBefore = calls(client, "getSignaturesForAddress")
        const requestsBefore = client.tally.requests
        const all = yield* chain.scanTree(address, null, 100)
        expect(all).toMatchObject({ leaves: [], checkpoint: sent[24], done: true })
        expect(
          all.signatures?.map((s) => [s.signature, s.state, s.state === "landed" ? s.err : "?"])
        ).toEqual(sent.map((signature) => [signature, "landed", null]))
        // 10 + 10 + 5; and the 25 getTransaction calls in one JSON-RPC batch.
        expect(calls(client, "getSignaturesForAddress") - pagesBefore).toBe(3)
        expect(client.tally.requests - requestsBefore).toBe(4)

        // 10 at a time from the start: the list is read once, then served from memory.
        const first = yield* chain.scanTree(address, null, 10)
        expect(first).toMatchObject({ checkpoint: sent[9], done: false })
        const afterFirst = calls(client, "getSignaturesForAddress")
        const second = yield* chain.scanTree(address, first.checkpoint, 10)
        expect(second).toMatchObject({ checkpoint: sent[19], done: false })
        const third = yield* chain.scanTree(address, second.checkpoint, 10)
        expect(third).toMatchObject({ checkpoint: sent[24], done: true })
        expect(calls(client, "getSignaturesForAddress")).toBe(afterFirst)

        // From a checkpoint: only what came after it, with `until` stopping the pages early.
        const more = yield* transfersTo(client, address, 3)
        const before = calls(client, "getSignaturesForAddress")
        const newer = yield* chain.scanTree(address, third.checkpoint, 100)
        expect(newer).toMatchObject({ leaves: [], checkpoint: more[2], done: true })
        expect(newer.signatures?.map((s) => s.signature)).toEqual(more)
        expect(calls(client, "getSignaturesForAddress") - before).toBe(1)
        const nothing = yield* chain.scanTree(address, newer.checkpoint, 100)
        expect(nothing).toEqual({ leaves: [], changes: [], checkpoint: more[2], done: true, signatures: [] })

        // Every landed transaction is read (the replica needs each change), in one batch, even
        // those whose leaves the caller holds: `known` only leaves their leaves out.
        const requests = client.tally.requests
        const known = yield* chain.scanTree(address, third.checkpoint, 100, new Set(more))
        expect(known.signatures?.map((s) => s.signature)).toEqual(more)
        expect(client.tally.requests - requests).toBe(2)
      })
    )

    it.effect("without JSON-RPC batches, getTransaction calls go one per request", () =>
      Effect.gen(function* () {
        const client = yield* SolanaClient
        const address = generateSigner(client.umi).publicKey
        yield* transfersTo(client, address, 6)
        const rpc = makeSolanaRpc({
          url: client.rpc.url,
          timeoutMs: 10_000,
          batchSize: 1,
          concurrency: 4,
          tally: client.tally
        })
        const chain = yield* BubblegumGateway.make({ ...client, rpc })
        const before = calls(client, "getTransaction")
        const requests = client.tally.requests
        yield* chain.scanTree(address, null, 100)
        expect(calls(client, "getTransaction") - before).toBe(6)
        // One page of signatures, then six requests of one getTransaction each.
        expect(client.tally.requests - requests).toBe(1 + 6)
      })
    )

    it.effect("1,000 signatures per page: 1,005 signatures take two pages", () =>
      Effect.gen(function* () {
        const client = yield* SolanaClient
        const address = generateSigner(client.umi).publicKey
        const sent = yield* manyTransfersTo(client, address, 1_005)
        const chain = yield* BubblegumGateway.make(client)
        yield* chain.statuses(sent).pipe(
          Effect.repeat({
            until: (all) => all.every((o) => o.state === "landed"),
            schedule: Schedule.spaced("20 millis")
          })
        )
        const pages = calls(client, "getSignaturesForAddress")
        const page = yield* chain.scanTree(address, null, 2_000)
        expect(calls(client, "getSignaturesForAddress") - pages).toBe(2)
        expect(page.done).toBe(true)
        expect(new Set(sent).has(page.checkpoint!)).toBe(true)
        // Oldest first in 500s: two scans, each ending where the next starts.
        const half = yield* chain.scanTree(address, null, 600)
        const rest = yield* chain.scanTree(address, half.checkpoint, 600)
        expect(half.done).toBe(false)
        expect(rest).toMatchObject({ done: true, checkpoint: page.checkpoint })
      })
    )
  })
})
