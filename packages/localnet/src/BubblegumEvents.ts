// What a processed transaction did to compressed NFTs: each Bubblegum instruction (outer or
// invoked by another program), decoded from its Anchor discriminator and arguments, with the
// noop events it logged (a LeafSchema event and the compression program's change log). Events
// are tied to the Bubblegum instruction they follow in the same outer instruction's group, so
// ComputeBudget instructions, several mints per transaction and CPI callers all work.
import { createHash } from "node:crypto"
import { ByteReader } from "./ByteReader.ts"
import type { PathNode } from "./MerkleTree.ts"
import { allAccountKeys, type TransactionRecord } from "./TransactionStore.ts"

export const BUBBLEGUM_PROGRAM = "BGUMAp9Gq7iTEuizy4pqaxsTyUCBK68MDfK752saRPUY"
const LOG_WRAPPERS = new Set([
  "noopb9bkMVfRPU8AsbpTUg8AQkHtKwMYZiFUjNRtMmV",
  "mnoopTCrg4p8ry25e4bcWA9XZjbNjMTfgYVGGEdRsf3"
])

/** Instruction names as DAS reports them in getAssetSignatures, by their Anchor names. */
const INSTRUCTIONS = {
  mint_v1: "MintV1",
  mint_to_collection_v1: "MintToCollectionV1",
  transfer: "Transfer",
  delegate: "Delegate",
  burn: "Burn",
  verify_collection: "VerifyCollection",
  unverify_collection: "UnverifyCollection",
  set_and_verify_collection: "SetAndVerifyCollection",
  verify_creator: "VerifyCreator",
  unverify_creator: "UnverifyCreator",
  update_metadata: "UpdateMetadata",
  redeem: "Redeem",
  cancel_redeem: "CancelRedeem"
} as const
export type BubblegumInstructionName = (typeof INSTRUCTIONS)[keyof typeof INSTRUCTIONS]

const byDiscriminator = new Map<string, BubblegumInstructionName>(
  Object.entries(INSTRUCTIONS).map(([anchorName, name]) => [
    createHash("sha256").update(`global:${anchorName}`).digest().subarray(0, 8).toString("hex"),
    name
  ])
)

export interface Creator {
  readonly address: string
  readonly verified: boolean
  readonly share: number
}

export interface MetadataArgs {
  readonly name: string
  readonly symbol: string
  readonly uri: string
  readonly sellerFeeBasisPoints: number
  readonly primarySaleHappened: boolean
  readonly isMutable: boolean
  readonly editionNonce: number | null
  readonly tokenStandard: number | null
  readonly collection: { readonly verified: boolean; readonly key: string } | null
  readonly creators: ReadonlyArray<Creator>
}

export interface MetadataUpdate {
  readonly name: string | null
  readonly symbol: string | null
  readonly uri: string | null
  readonly creators: ReadonlyArray<Creator> | null
  readonly sellerFeeBasisPoints: number | null
  readonly primarySaleHappened: boolean | null
  readonly isMutable: boolean | null
}

export interface LeafEvent {
  readonly id: string
  readonly owner: string
  readonly delegate: string
  readonly nonce: bigint
  readonly dataHash: string
  readonly creatorHash: string
}

export interface ChangeLogEvent {
  readonly tree: string
  readonly path: ReadonlyArray<PathNode>
  readonly seq: bigint
  readonly index: number
}

export interface BubblegumCall {
  readonly name: BubblegumInstructionName
  readonly accounts: ReadonlyArray<string>
  readonly data: Uint8Array
  readonly leaves: LeafEvent[]
  readonly changeLogs: ChangeLogEvent[]
}

const option = <A>(reader: ByteReader, read: () => A): A | null => (reader.u8() === 0 ? null : read())

const readCreators = (reader: ByteReader): Creator[] => {
  const count = reader.u32()
  const creators: Creator[] = []
  for (let i = 0; i < count; i++) {
    creators.push({ address: reader.pubkey(), verified: reader.u8() === 1, share: reader.u8() })
  }
  return creators
}

export const readMetadataArgs = (reader: ByteReader): MetadataArgs => {
  const name = reader.borshString()
  const symbol = reader.borshString()
  const uri = reader.borshString()
  const sellerFeeBasisPoints = reader.u16()
  const primarySaleHappened = reader.u8() === 1
  const isMutable = reader.u8() === 1
  const editionNonce = option(reader, () => reader.u8())
  const tokenStandard = option(reader, () => reader.u8())
  const collection = option(reader, () => ({ verified: reader.u8() === 1, key: reader.pubkey() }))
  option(reader, () => ({ useMethod: reader.u8(), remaining: reader.u64(), total: reader.u64() }))
  reader.u8() // token program version
  const creators = readCreators(reader)
  return {
    name,
    symbol,
    uri,
    sellerFeeBasisPoints,
    primarySaleHappened,
    isMutable,
    editionNonce,
    tokenStandard,
    collection,
    creators
  }
}

/** update_metadata's arguments: root, nonce, index, the current metadata, then the update. */
export const readMetadataUpdate = (data: Uint8Array): MetadataUpdate => {
  const reader = new ByteReader(data, 8 + 32 + 8 + 4)
  readMetadataArgs(reader)
  return {
    name: option(reader, () => reader.borshString()),
    symbol: option(reader, () => reader.borshString()),
    uri: option(reader, () => reader.borshString()),
    creators: option(reader, () => readCreators(reader)),
    sellerFeeBasisPoints: option(reader, () => reader.u16()),
    primarySaleHappened: option(reader, () => reader.u8() === 1),
    isMutable: option(reader, () => reader.u8() === 1)
  }
}

const EVENT_CHANGE_LOG = 0
const EVENT_APPLICATION_DATA = 1
const LEAF_SCHEMA_EVENT = 1

const readEvent = (data: Uint8Array): LeafEvent | ChangeLogEvent | undefined => {
  try {
    const reader = new ByteReader(data)
    const kind = reader.u8()
    reader.u8() // version V1
    if (kind === EVENT_CHANGE_LOG) {
      const tree = reader.pubkey()
      const count = reader.u32()
      const path: PathNode[] = []
      for (let i = 0; i < count; i++) path.push({ node: reader.bytesOf(32).slice(), index: reader.u32() })
      return { tree, path, seq: reader.u64(), index: reader.u32() }
    }
    if (kind === EVENT_APPLICATION_DATA) {
      reader.u32() // length of the application data
      if (reader.u8() !== LEAF_SCHEMA_EVENT) return undefined
      reader.u8() // event version
      if (reader.u8() !== 0) return undefined // LeafSchema::V1 only
      return {
        id: reader.pubkey(),
        owner: reader.pubkey(),
        delegate: reader.pubkey(),
        nonce: reader.u64(),
        dataHash: reader.pubkey(),
        creatorHash: reader.pubkey()
      }
    }
  } catch {
    return undefined
  }
  return undefined
}

/** Every Bubblegum call of a successful transaction, with its events, in execution order. */
export const bubblegumCalls = (record: TransactionRecord): BubblegumCall[] => {
  if (record.err !== null) return []
  const keys = allAccountKeys(record)
  const calls: BubblegumCall[] = []
  const inner = new Map(record.innerInstructions.map((group) => [group.index, group.instructions]))
  record.transaction.instructions.forEach((outer, index) => {
    let current: BubblegumCall | undefined
    for (const ix of [outer, ...(inner.get(index) ?? [])]) {
      const program = keys[ix.programIdIndex]
      if (program === BUBBLEGUM_PROGRAM) {
        const name =
          ix.data.length >= 8
            ? byDiscriminator.get(Buffer.from(ix.data.subarray(0, 8)).toString("hex"))
            : undefined
        current =
          name === undefined
            ? undefined
            : {
                name,
                accounts: ix.accounts.map((i) => keys[i]!),
                data: ix.data,
                leaves: [],
                changeLogs: []
              }
        if (current) calls.push(current)
      } else if (current && program !== undefined && LOG_WRAPPERS.has(program)) {
        const event = readEvent(ix.data)
        if (event === undefined) continue
        if ("path" in event) current.changeLogs.push(event)
        else current.leaves.push(event)
      }
    }
  })
  return calls
}
