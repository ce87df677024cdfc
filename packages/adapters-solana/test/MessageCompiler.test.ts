/**
 * The message compiler makes the same bytes as umi's web3.js factory, for the transactions the
 * service builds (a mint behind its compute budget) and for shapes that test the ordering: a key
 * that is a signer in one instruction and writable in another, a program that is also an
 * account, a signer other than the fee payer, legacy and V0.
 */
import { mintV1, mplBubblegum } from "@metaplex-foundation/mpl-bubblegum"
import {
  mplToolbox,
  setComputeUnitLimit,
  setComputeUnitPrice,
  transferSol
} from "@metaplex-foundation/mpl-toolbox"
import {
  generateSigner,
  keypairIdentity,
  lamports,
  publicKey,
  type TransactionInput,
  transactionBuilder
} from "@metaplex-foundation/umi"
import { createUmi } from "@metaplex-foundation/umi-bundle-defaults"
import { describe, expect, it } from "vitest"
import { compileMessage, compilingFactory } from "../src/MessageCompiler.ts"

const umi = createUmi("http://127.0.0.1:9").use(mplToolbox()).use(mplBubblegum())
umi.use(keypairIdentity(generateSigner(umi)))
const blockhash = generateSigner(umi).publicKey as string

const mint = () =>
  transactionBuilder()
    .add(setComputeUnitLimit(umi, { units: 60_000 }))
    .add(setComputeUnitPrice(umi, { microLamports: 1_000 }))
    .add(
      mintV1(umi, {
        leafOwner: generateSigner(umi).publicKey,
        merkleTree: generateSigner(umi).publicKey,
        metadata: {
          name: "Ticket 1",
          symbol: "TIX",
          uri: "https://tickets.example/metadata/t-1",
          sellerFeeBasisPoints: 0,
          collection: null,
          creators: [{ address: umi.identity.publicKey, verified: false, share: 100 }]
        }
      })
    )

const inputOf = (
  builder: ReturnType<typeof transactionBuilder>,
  version: 0 | "legacy"
): TransactionInput => ({
  version,
  payer: umi.payer.publicKey,
  instructions: builder.getInstructions(),
  blockhash
})

describe("the message compiler", () => {
  for (const version of [0, "legacy"] as const) {
    it(`makes web3.js's bytes for a mint behind its compute budget (${version})`, () => {
      const input = inputOf(mint(), version)
      const theirs = umi.transactions.create(input)
      const ours = compileMessage(input)
      expect(Buffer.from(ours.serializedMessage).toString("hex")).toBe(
        Buffer.from(theirs.serializedMessage).toString("hex")
      )
      expect(ours.message).toEqual(theirs.message)
      expect(ours.signatures).toEqual(theirs.signatures)
    })

    it(`orders merged keys as web3.js does (${version})`, () => {
      const other = generateSigner(umi)
      const shared = generateSigner(umi).publicKey
      const builder = transactionBuilder()
        .add(transferSol(umi, { destination: shared, amount: lamports(1) }))
        .add(transferSol(umi, { source: other, destination: umi.identity.publicKey, amount: lamports(2) }))
        .add({
          instruction: {
            programId: publicKey("11111111111111111111111111111111"),
            keys: [
              { pubkey: shared, isSigner: false, isWritable: false },
              { pubkey: publicKey("11111111111111111111111111111111"), isSigner: false, isWritable: false },
              { pubkey: other.publicKey, isSigner: true, isWritable: false }
            ],
            data: new Uint8Array([9, 9])
          },
          signers: [],
          bytesCreatedOnChain: 0
        })
      const input = inputOf(builder, version)
      const theirs = umi.transactions.create(input)
      const ours = compileMessage(input)
      expect(Buffer.from(ours.serializedMessage).toString("hex")).toBe(
        Buffer.from(theirs.serializedMessage).toString("hex")
      )
      expect(ours.message).toEqual(theirs.message)
    })
  }

  it("leaves lookup tables to the factory it wraps", () => {
    let delegated = 0
    const factory = compilingFactory({
      ...umi.transactions,
      create: (input) => {
        delegated++
        return umi.transactions.create(input)
      }
    })
    factory.create(inputOf(mint(), 0))
    expect(delegated).toBe(0)
    factory.create({
      version: 0,
      payer: umi.payer.publicKey,
      instructions: mint().getInstructions(),
      blockhash,
      addressLookupTables: [{ publicKey: publicKey(blockhash), addresses: [] }]
    })
    expect(delegated).toBe(1)
  })
})
