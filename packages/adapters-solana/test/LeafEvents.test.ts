/**
 * Bubblegum instruction encoding and leaf-event decoding on crafted bytes, with mpl-bubblegum's
 * own serializers: no chain, no program binaries.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  findLeafAssetIdPda,
  getLeafSchemaSerializer,
  getMetadataArgsSerializer,
  getMintToCollectionV1InstructionDataSerializer,
  getMintV1InstructionDataSerializer,
  hashMetadataData,
  MPL_BUBBLEGUM_PROGRAM_ID
} from "@metaplex-foundation/mpl-bubblegum"
import { MPL_TOKEN_METADATA_PROGRAM_ID } from "@metaplex-foundation/mpl-token-metadata"
import { generateSigner, publicKey } from "@metaplex-foundation/umi"
import { base58, string } from "@metaplex-foundation/umi/serializers"
import { Keypair } from "@solana/web3.js"
import type { TicketMetadata } from "@tickettoken/minting-core"
import { Effect, Redacted } from "effect"
import { collectionCpiSigner, mintInstruction } from "../src/BubblegumGateway.ts"
import { dataHash, metadataArgs } from "../src/BubblegumMetadata.ts"
import {
  assetIdOf,
  checkedAssetId,
  decodeLeafEvent,
  MINT_TO_COLLECTION_V1_DISCRIMINATOR,
  MINT_V1_DISCRIMINATOR,
  mintLeafEvents,
  type RpcInstruction,
  type RpcTransaction,
  SPL_NOOP_PROGRAM
} from "../src/LeafEvents.ts"
import { COMPRESSION_PROGRAM } from "../src/RpcErrors.ts"
import { SolanaClient } from "../src/SolanaClient.ts"
import { defaults } from "../src/SolanaConfig.ts"

const client = await Effect.runPromise(
  SolanaClient.make({
    ...defaults,
    rpcUrl: "http://127.0.0.1:9",
    keypair: Redacted.make(JSON.stringify(Array.from(Keypair.generate().secretKey)))
  })
)
const { umi } = client
const address = () => generateSigner(umi).publicKey
const COMPUTE_BUDGET = "ComputeBudget111111111111111111111111111111"

const creator = address()
const metadata = (collection: string | null = null): TicketMetadata.OnChainMetadata => ({
  name: "Ticket #42",
  symbol: "TCKT",
  uri: "https://tickets.example/metadata/42",
  sellerFeeBasisPoints: 250,
  creators: [{ address: creator, share: 100, verified: false }],
  collection
})

/** The bytes Bubblegum hands the noop program for a new leaf. */
const leafEventBytes = (leaf: { tree: string; index: number; owner: string; dataHash: Uint8Array }) => {
  const [id] = findLeafAssetIdPda(umi, { merkleTree: publicKey(leaf.tree), leafIndex: leaf.index })
  const schema = getLeafSchemaSerializer().serialize({
    __kind: "V1",
    id,
    owner: publicKey(leaf.owner),
    delegate: publicKey(leaf.owner),
    nonce: leaf.index,
    dataHash: leaf.dataHash,
    creatorHash: new Uint8Array(32).fill(7)
  })
  const applicationData = new Uint8Array([1, 0, ...schema, ...new Uint8Array(32).fill(9)])
  const header = new Uint8Array(6)
  header[0] = 1 // AccountCompressionEvent::ApplicationData
  header[1] = 0 // ApplicationDataEvent::V1
  new DataView(header.buffer).setUint32(2, applicationData.length, true)
  return new Uint8Array([...header, ...applicationData])
}

/** A getTransaction ("json") answer: budget instructions first, then Bubblegum mints. */
const transaction = (
  mints: ReadonlyArray<{ tree: string; index: number; owner: string; discriminator?: ReadonlyArray<number> }>,
  err: unknown = null
): RpcTransaction => {
  const keys: Array<string> = [
    client.feePayer,
    COMPUTE_BUDGET,
    MPL_BUBBLEGUM_PROGRAM_ID,
    SPL_NOOP_PROGRAM,
    COMPRESSION_PROGRAM
  ]
  const key = (k: string) => {
    if (!keys.includes(k)) keys.push(k)
    return keys.indexOf(k)
  }
  const ix = (program: string, accounts: ReadonlyArray<string>, data: Uint8Array): RpcInstruction => ({
    programIdIndex: key(program),
    accounts: accounts.map(key),
    data: base58.deserialize(data)[0]
  })
  const hash = hashMetadataData(metadataArgs(metadata()))
  const instructions = [
    ix(COMPUTE_BUDGET, [], new Uint8Array([2, 0x40, 0x0d, 0x03, 0])),
    ix(COMPUTE_BUDGET, [], new Uint8Array([3, 1, 0, 0, 0, 0, 0, 0, 0])),
    ...mints.map((m) =>
      ix(
        MPL_BUBBLEGUM_PROGRAM_ID,
        [address(), m.owner, m.owner, m.tree],
        m.discriminator === undefined
          ? getMintV1InstructionDataSerializer().serialize({ metadata: metadataArgs(metadata()) })
          : new Uint8Array([...m.discriminator, 0, 0])
      )
    )
  ]
  const innerInstructions = mints.map((m, i) => ({
    index: 2 + i,
    instructions: [
      { ...ix(SPL_NOOP_PROGRAM, [], leafEventBytes({ ...m, dataHash: hash })), stackHeight: 2 },
      { ...ix(COMPRESSION_PROGRAM, [m.tree], new Uint8Array([1, 2, 3])), stackHeight: 2 },
      // The compression program's change log: an event, but not a leaf.
      { ...ix(SPL_NOOP_PROGRAM, [], new Uint8Array([0, 0, 1, 2, 3, 4, 5, 6, 7, 8])), stackHeight: 3 }
    ]
  }))
  return {
    slot: 1234,
    transaction: { signatures: ["sig"], message: { accountKeys: keys, instructions } },
    meta: { err, innerInstructions, loadedAddresses: { writable: [], readonly: [] } }
  }
}

describe("leaf events", () => {
  it("finds the leaf of a mint behind ComputeBudget instructions, with mpl-bubblegum's serializer", () => {
    const tree = address()
    const owner = address()
    const [event] = mintLeafEvents(transaction([{ tree, index: 5, owner }]))
    expect(event).toMatchObject({ tree, leafIndex: 5, owner, delegate: owner })
    // The event's asset id is the PDA findLeafAssetIdPda derives, as Bubblegum derived it.
    expect(event!.assetId).toBe(findLeafAssetIdPda(umi, { merkleTree: publicKey(tree), leafIndex: 5 })[0])
    expect(assetIdOf(umi, tree, 5)).toBe(event!.assetId)
    expect(event!.dataHash).toBe(dataHash(metadata()))
  })

  it("checkedAssetId keeps an event's asset id only when it is the leaf's PDA", () => {
    const tree = address()
    for (const leafIndex of [0, 5, 2 ** 20 + 3]) {
      const pda = findLeafAssetIdPda(umi, { merkleTree: publicKey(tree), leafIndex })[0]
      expect(checkedAssetId(umi, tree, leafIndex, pda)).toBe(pda)
      // Another leaf's id, another tree's, or no address at all: the leaf's own id instead.
      const other = findLeafAssetIdPda(umi, { merkleTree: publicKey(tree), leafIndex: leafIndex + 1 })[0]
      expect(checkedAssetId(umi, tree, leafIndex, other)).toBe(pda)
      expect(checkedAssetId(umi, tree, leafIndex, address())).toBe(pda)
      expect(checkedAssetId(umi, tree, leafIndex, "not-base58-0OIl")).toBe(pda)
    }
  })

  it("reads every mint of a transaction, each into its own tree, in order", () => {
    const [a, b] = [address(), address()]
    const owner = address()
    const events = mintLeafEvents(
      transaction([
        { tree: a, index: 0, owner },
        { tree: b, index: 9, owner }
      ])
    )
    expect(events.map((e) => [e.tree, e.leafIndex])).toEqual([
      [a, 0],
      [b, 9]
    ])
  })

  it("a failed transaction minted nothing; other Bubblegum instructions are not mints", () => {
    const tree = address()
    const owner = address()
    expect(
      mintLeafEvents(transaction([{ tree, index: 0, owner }], { InstructionError: [2, { Custom: 6017 }] }))
    ).toEqual([])
    const transfer = [163, 52, 200, 231, 140, 3, 69, 186]
    expect(mintLeafEvents(transaction([{ tree, index: 0, owner, discriminator: transfer }]))).toEqual([])
    expect(mintLeafEvents({ ...transaction([]), meta: null })).toEqual([])
  })

  it("decodes only a LeafSchemaEvent inside ApplicationData V1 with a consistent length", () => {
    const bytes = leafEventBytes({
      tree: address(),
      index: 3,
      owner: address(),
      dataHash: new Uint8Array(32)
    })
    expect(decodeLeafEvent(bytes)?.nonce).toBe(3n)
    const changeLog = bytes.slice()
    changeLog[0] = 0
    expect(decodeLeafEvent(changeLog)).toBeUndefined()
    expect(decodeLeafEvent(bytes.slice(0, bytes.length - 1))).toBeUndefined()
    const otherEvent = bytes.slice()
    otherEvent[6] = 2
    expect(decodeLeafEvent(otherEvent)).toBeUndefined()
    expect(decodeLeafEvent(new Uint8Array(4))).toBeUndefined()
  })
})

describe("mint instructions", () => {
  it("the discriminators are mpl-bubblegum's", () => {
    const args = { metadata: metadataArgs(metadata()) }
    expect(Array.from(getMintV1InstructionDataSerializer().serialize(args).slice(0, 8))).toEqual([
      ...MINT_V1_DISCRIMINATOR
    ])
    expect(Array.from(getMintToCollectionV1InstructionDataSerializer().serialize(args).slice(0, 8))).toEqual([
      ...MINT_TO_COLLECTION_V1_DISCRIMINATOR
    ])
  })

  it("mintV1 carries the metadata the data hash covers, and names the tree and the owner", () => {
    const tree = address()
    const owner = address()
    const meta = metadata()
    const [ix] = mintInstruction(client, { mintId: "m", owner, tree, metadata: meta }).getInstructions()
    expect(ix!.programId).toBe(MPL_BUBBLEGUM_PROGRAM_ID)
    expect(Array.from(ix!.data.slice(0, 8))).toEqual([...MINT_V1_DISCRIMINATOR])
    const [args] = getMetadataArgsSerializer().deserialize(ix!.data, 8)
    expect(args.name).toBe(meta.name)
    expect(args.sellerFeeBasisPoints).toBe(250)
    expect(args.creators.map((c) => c.address)).toEqual(meta.creators.map((c) => c.address))
    expect(base58.deserialize(hashMetadataData(args))[0]).toBe(dataHash(meta))
    expect(ix!.keys[1]!.pubkey).toBe(owner)
    expect(ix!.keys[3]!.pubkey).toBe(tree)
  })

  it("mintToCollectionV1 passes the legacy collection accounts old Bubblegum builds need", () => {
    const collection = address()
    const meta = metadata(collection)
    const [ix] = mintInstruction(client, {
      mintId: "m",
      owner: address(),
      tree: address(),
      metadata: meta
    }).getInstructions()
    expect(Array.from(ix!.data.slice(0, 8))).toEqual([...MINT_TO_COLLECTION_V1_DISCRIMINATOR])
    const cpiSigner = umi.eddsa.findPda(MPL_BUBBLEGUM_PROGRAM_ID, [
      string({ size: "variable" }).serialize("collection_cpi")
    ])[0]
    expect(collectionCpiSigner(client)).toBe(cpiSigner)
    expect(ix!.keys[8]!.pubkey).toBe(collection)
    expect(ix!.keys[11]!.pubkey).toBe(cpiSigner)
    expect(ix!.keys[14]!.pubkey).toBe(MPL_TOKEN_METADATA_PROGRAM_ID)
    // The program marks the collection verified before hashing; so does the predicted hash.
    const [args] = getMetadataArgsSerializer().deserialize(ix!.data, 8)
    expect(args.collection).toEqual({ __option: "Some", value: { key: collection, verified: true } })
    expect(dataHash(meta)).not.toBe(dataHash({ ...meta, collection: null }))
  })
})
