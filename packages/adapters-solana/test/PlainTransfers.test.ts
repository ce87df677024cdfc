/**
 * The gateway's transaction life cycle on plain SOL transfers, over the localnet's RPC with no
 * program binaries at all: batched statuses, re-sending the same bytes, expiry unseen, failures
 * that land, an empty fee payer, and the tree scan's paging.
 */
import { describe, expect, layer } from "@effect/vitest"
import { transferSol } from "@metaplex-foundation/mpl-toolbox"
import { generateSigner, lamports, publicKey } from "@metaplex-foundation/umi"
import { base58 } from "@metaplex-foundation/umi/serializers"
import { Keypair } from "@solana/web3.js"
import { Effect, Layer, Schedule } from "effect"
import { BubblegumGateway } from "../src/BubblegumGateway.ts"
import { SolanaClient, type SolanaClientShape } from "../src/SolanaClient.ts"
import type { SolanaSettings } from "../src/SolanaConfig.ts"
import { makeTransactions } from "../src/Transactions.ts"
import { clientLayer, keypairSecret, localnetLayer, TestLocalnet } from "./TestLocalnet.ts"

/** Enough for a new account to be rent-exempt. */
const AMOUNT = 1_000_000n

const transfer = (client: SolanaClientShape, destination: string, amount = AMOUNT) =>
  transferSol(client.umi, { destination: publicKey(destination), amount: lamports(amount) })

const address = (client: SolanaClientShape) => generateSigner(client.umi).publicKey

const setup = Effect.gen(function* () {
  const client = yield* SolanaClient
  const transactions = yield* makeTransactions(client)
  const chain = yield* BubblegumGateway.make(client)
  return { client, transactions, chain, net: yield* TestLocalnet }
})

const awaitLanded = (chain: Effect.Success<typeof setup>["chain"], signatures: ReadonlyArray<string>) =>
  chain.statuses(signatures).pipe(
    Effect.repeat({
      until: (observed) => observed.every((o) => o.state === "landed"),
      schedule: Schedule.spaced("10 millis")
    }),
    Effect.timeout("20 seconds")
  )

const balance = (client: SolanaClientShape, account: string) =>
  Effect.map(
    client.rpc.call<{ value: number }>("getBalance", [account, { commitment: "confirmed" }]),
    (r) => r.value
  )

const calls = (client: SolanaClientShape, method: string) => client.tally.byMethod[method] ?? 0

describe("plain transfers on the localnet", () => {
  layer(clientLayer().pipe(Layer.provideMerge(localnetLayer(false))), { excludeTestServices: true })((it) => {
    it.effect("statuses of 300 landed transfers and unknown signatures: 256 per call, in order", () =>
      Effect.gen(function* () {
        const { client, transactions, chain } = yield* setup
        const signed = yield* Effect.forEach(Array.from({ length: 300 }), () =>
          transactions.prepare(transfer(client, address(client)))
        )
        yield* Effect.forEach(signed, (s) => chain.send(s.wire), { concurrency: 8 })
        const signatures = signed.map((s) => s.signature)
        const before = calls(client, "getSignatureStatuses")
        const observed = yield* awaitLanded(chain, signatures)
        const perRead = Math.ceil(300 / 256)
        expect((calls(client, "getSignatureStatuses") - before) % perRead).toBe(0)
        expect(observed.map((o) => o.signature)).toEqual(signatures)
        for (const o of observed) expect(o).toMatchObject({ state: "landed", err: null })
        const mixed = [
          signatures[0]!,
          "1111111111111111111111111111111111111111111111111111111111111111",
          signatures[299]!
        ]
        expect((yield* chain.statuses(mixed)).map((o) => o.state)).toEqual(["landed", "absent", "landed"])
      })
    )

    it.effect("the same bytes sent three times land once", () =>
      Effect.gen(function* () {
        const { client, transactions, chain } = yield* setup
        const destination = address(client)
        const signed = yield* transactions.prepare(transfer(client, destination))
        // The compute-unit limit comes from a simulation, with the margin and the floor.
        expect(signed.computeUnitLimit).toBe(client.settings.minComputeUnits)
        expect(signed.unitsConsumed).toBeGreaterThan(0)
        yield* chain.send(signed.wire)
        yield* chain.send(signed.wire)
        yield* awaitLanded(chain, [signed.signature])
        yield* chain.send(signed.wire)
        yield* Effect.sleep("100 millis")
        expect(yield* balance(client, destination)).toBe(Number(AMOUNT))
      })
    )

    it.effect(
      "a blockhash that expires unseen: absent, height past lastValidBlockHeight; re-signed, it lands",
      () =>
        Effect.gen(function* () {
          const { client, transactions, chain, net } = yield* setup
          const destination = address(client)
          const stale = yield* transactions.prepare(transfer(client, destination))
          net.advanceSlots(200)
          // Seeing the height near the blockhash's end drops the reused blockhash (prepares within
          // blockhashReuseMs share one): the next prepare must not sign on a dead one.
          const height = yield* transactions.blockHeight.pipe(
            Effect.repeat({
              until: (h) => h > stale.lastValidBlockHeight,
              schedule: Schedule.spaced("10 millis")
            })
          )
          expect(height).toBeGreaterThan(stale.lastValidBlockHeight)
          const late = yield* Effect.result(transactions.send(stale.wire))
          if (late._tag === "Failure") expect(late.failure.reason._tag).toBe("BlockhashNotFound")
          yield* Effect.sleep("100 millis")
          expect(yield* chain.statuses([stale.signature])).toEqual([
            { signature: stale.signature, state: "absent" }
          ])
          // The worker signs again: a new blockhash, a new signature, and it lands.
          const fresh = yield* transactions.prepare(transfer(client, destination))
          expect(fresh.signature).not.toBe(stale.signature)
          expect(fresh.lastValidBlockHeight).toBeGreaterThan(height)
          yield* chain.send(fresh.wire)
          yield* awaitLanded(chain, [fresh.signature])
          expect(yield* balance(client, destination)).toBe(Number(AMOUNT))
        })
    )

    it.effect(
      "more than the balance: InsufficientFunds at prepare; sent anyway it lands failed, with its error",
      () =>
        Effect.gen(function* () {
          const { client, transactions, chain } = yield* setup
          const tooMuch = transfer(client, address(client), 10n ** 18n)
          const refused = yield* Effect.flip(transactions.prepare(tooMuch))
          expect(refused.reason).toMatchObject({ _tag: "InsufficientFunds", account: client.feePayer })
          expect(refused.retryable).toBe(false)
          // Signed without the simulation, it still pays its fee and lands with the error.
          const blockhash = yield* transactions.latestBlockhash
          const signed = yield* Effect.promise(() => tooMuch.setBlockhash(blockhash).buildAndSign(client.umi))
          const wire = client.umi.transactions.serialize(signed)
          yield* chain.send(wire)
          const [landed] = yield* awaitLanded(chain, [base58.deserialize(signed.signatures[0]!)[0]])
          expect(landed).toMatchObject({ state: "landed" })
          expect(landed!.state === "landed" && JSON.parse(landed!.err!)).toEqual({
            InstructionError: [0, { Custom: 1 }]
          })
        })
    )

    it.effect(
      "transactions prepared together are simulated in one request; one that would fail is refused alone",
      () =>
        Effect.gen(function* () {
          const { client, transactions } = yield* setup
          yield* transactions.latestBlockhash
          const requests = client.tally.requests
          const simulated = calls(client, "simulateTransaction")
          const outcomes = yield* Effect.forEach(
            Array.from({ length: 12 }, (_, i) =>
              transfer(client, address(client), i === 5 ? 10n ** 18n : AMOUNT)
            ),
            (builder) => Effect.result(transactions.prepare(builder)),
            { concurrency: "unbounded" }
          )
          expect(calls(client, "simulateTransaction") - simulated).toBe(12)
          // One JSON-RPC batch (the blockhash is shared): not twelve requests.
          expect(client.tally.requests - requests).toBeLessThanOrEqual(2)
          outcomes.forEach((outcome, i) => {
            if (i === 5) {
              expect(outcome._tag).toBe("Failure")
              if (outcome._tag === "Failure")
                expect(outcome.failure.reason).toMatchObject({
                  _tag: "InsufficientFunds",
                  account: client.feePayer
                })
            } else expect(outcome._tag).toBe("Success")
          })
        })
    )

    it.effect("an auto priority fee follows what others paid for the same account, up to its cap", () =>
      Effect.gen(function* () {
        const { client, net } = yield* setup
        const withFee = (priorityFee: SolanaSettings["priorityFee"]) => {
          const payer = Keypair.generate()
          net.fund(payer.publicKey.toBase58(), 10n ** 12n)
          return Effect.flatMap(
            SolanaClient.make({ ...client.settings, keypair: keypairSecret(payer), priorityFee }),
            (c) => Effect.map(makeTransactions(c), (transactions) => ({ client: c, transactions }))
          )
        }
        const contested = address(client)
        const bidder = yield* withFee({ _tag: "Fixed", microLamports: 7_000 })
        const chain = yield* BubblegumGateway.make(client)
        for (let i = 0; i < 3; i++) {
          const signed = yield* bidder.transactions.prepare(
            transfer(bidder.client, contested, AMOUNT + BigInt(i))
          )
          expect(signed.microLamports).toBe(7_000)
          yield* chain.send(signed.wire)
          yield* awaitLanded(chain, [signed.signature])
        }
        const follower = yield* withFee({ _tag: "Auto", maxMicroLamports: 1_000_000 })
        const followed = yield* follower.transactions.prepare(transfer(follower.client, contested), {
          tree: contested
        })
        expect(followed.microLamports).toBe(7_000)
        const capped = yield* withFee({ _tag: "Auto", maxMicroLamports: 5_000 })
        expect(
          (yield* capped.transactions.prepare(transfer(capped.client, contested), { tree: contested }))
            .microLamports
        ).toBe(5_000)
      })
    )

    it.effect(
      "a fee payer without lamports: InsufficientFunds; info says localnet and shows the balance",
      () =>
        Effect.gen(function* () {
          const { client, transactions, chain, net } = yield* setup
          const info = yield* chain.info
          expect(info).toMatchObject({ kind: "localnet", rpcUrl: net.rpcUrl, feePayer: client.feePayer })
          expect(info.feePayerLamports).toBeGreaterThan(0)
          net.fund(client.feePayer, 0)
          const error = yield* Effect.flip(transactions.prepare(transfer(client, address(client))))
          expect(error.reason).toMatchObject({ _tag: "InsufficientFunds", account: client.feePayer })
          expect((yield* chain.info).feePayerLamports).toBe(0)
        })
    )
  })
})
