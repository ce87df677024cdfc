/**
 * The leaves a transaction minted, read from Bubblegum's leaf events.
 *
 * Bubblegum v1 logs each new leaf by CPI into the noop program ("log wrapper") with the borsh
 * bytes of `AccountCompressionEvent::ApplicationData(V1 { application_data })`, whose data is a
 * `LeafSchemaEvent`: 1 byte ApplicationData, 1 byte V1, 4 bytes length, then 1 byte event type
 * (LeafSchemaEvent = 1), 1 byte version, the LeafSchema (mpl-bubblegum's own serializer reads it),
 * and the 32-byte leaf hash. The compression program's own noop calls (change logs, first byte
 * 0) sit deeper in the same group and are skipped.
 *
 * mpl-bubblegum's parseLeafFromMintV1Transaction reads inner group 0, instruction 0: wrong as
 * soon as ComputeBudget instructions come first. Here each noop event is tied to the Bubblegum
 * mint instruction it follows, in any position, so one transaction may hold several mints (into
 * several trees); events of other Bubblegum instructions (transfers, burns) are not mints and are
 * ignored.
 */

import { createHash } from "node:crypto"
import {
  findLeafAssetIdPda,
  getLeafSchemaSerializer,
  type LeafSchema
} from "@metaplex-foundation/mpl-bubblegum"
import { type Context, publicKey } from "@metaplex-foundation/umi"
import { Base58 } from "@tickettoken/minting-core"
import { BUBBLEGUM_PROGRAM } from "./RpcErrors.ts"

/** An instruction's base58 data as bytes (core's decoder: umi's took milliseconds per change log). */
export const bytesOf = (data: string): Uint8Array => Base58.decode(data) ?? new Uint8Array()

export const SPL_NOOP_PROGRAM = "noopb9bkMVfRPU8AsbpTUg8AQkHtKwMYZiFUjNRtMmV"
/** Metaplex's own noop, the log wrapper of Bubblegum's V2 instructions. */
export const MPL_NOOP_PROGRAM = "mnoopTCrg4p8ry25e4bcWA9XZjbNjMTfgYVGGEdRsf3"
const logWrappers = new Set([SPL_NOOP_PROGRAM, MPL_NOOP_PROGRAM])

/** Accounts of mintV1 and mintToCollectionV1 alike: tree config, owner, delegate, then the tree. */
const MERKLE_TREE_ACCOUNT = 3

/**
 * Anchor's 8-byte discriminators (sha256("global:<name>")[..8]) of the two v1 mint instructions,
 * as mpl-bubblegum's generated mintV1 / mintToCollectionV1 serializers write them (a test checks).
 */
export const MINT_V1_DISCRIMINATOR = [145, 98, 192, 118, 184, 147, 118, 104] as const
export const MINT_TO_COLLECTION_V1_DISCRIMINATOR = [153, 18, 178, 47, 197, 158, 86, 15] as const
const mintDiscriminators = new Set([
  MINT_V1_DISCRIMINATOR.join(","),
  MINT_TO_COLLECTION_V1_DISCRIMINATOR.join(",")
])

const APPLICATION_DATA_EVENT = 1
const APPLICATION_DATA_V1 = 0
const LEAF_SCHEMA_EVENT = 1
const EVENT_HEADER_BYTES = 8

/** The LeafSchema in a log wrapper's instruction data, or undefined when it holds something else. */
export const decodeLeafEvent = (data: Uint8Array): LeafSchema | undefined => {
  if (data.length < EVENT_HEADER_BYTES + 1) return undefined
  if (data[0] !== APPLICATION_DATA_EVENT || data[1] !== APPLICATION_DATA_V1) return undefined
  const length = new DataView(data.buffer, data.byteOffset + 2, 4).getUint32(0, true)
  if (length !== data.length - 6 || data[6] !== LEAF_SCHEMA_EVENT) return undefined
  try {
    return getLeafSchemaSerializer().deserialize(data, EVENT_HEADER_BYTES)[0]
  } catch {
    return undefined
  }
}

/** An instruction as getTransaction's "json" encoding shows it (outer or inner). */
export interface RpcInstruction {
  readonly programIdIndex: number
  readonly accounts: ReadonlyArray<number>
  /** base58 */
  readonly data: string
  readonly stackHeight?: number | null
}

/** The part of a getTransaction answer ("json" encoding) that leaf parsing needs. */
export interface RpcTransaction {
  readonly slot: number
  readonly transaction: {
    readonly signatures: ReadonlyArray<string>
    readonly message: {
      readonly accountKeys: ReadonlyArray<string>
      readonly instructions: ReadonlyArray<RpcInstruction>
    }
  }
  readonly meta: {
    readonly err: unknown
    readonly logMessages?: ReadonlyArray<string> | null
    readonly innerInstructions?: ReadonlyArray<{
      readonly index: number
      readonly instructions: ReadonlyArray<RpcInstruction>
    }> | null
    readonly loadedAddresses?: {
      readonly writable: ReadonlyArray<string>
      readonly readonly: ReadonlyArray<string>
    } | null
  } | null
}

export interface MintLeafEvent {
  readonly tree: string
  readonly leafIndex: number
  /**
   * The asset id the event carries: Bubblegum derives it on chain as the PDA ["asset", tree,
   * leaf index], which is what findLeafAssetIdPda computes (a test checks they agree). Deriving it
   * again here would cost ~1 ms of JavaScript curve arithmetic per leaf, ten seconds of a
   * 10,000-leaf scan; `assetIdOf` does it where one leaf is asked for.
   */
  readonly assetId: string
  readonly owner: string
  readonly delegate: string
  /** base58, as Bubblegum's hashMetadataData gives it. */
  readonly dataHash: string
  readonly creatorHash: string
}

export const hasMintDiscriminator = (data: Uint8Array) =>
  data.length >= 8 && mintDiscriminators.has(Array.from(data.subarray(0, 8)).join(","))

/** The asset id of a leaf, derived as Bubblegum derives it (the PDA ["asset", tree, leaf index]). */
export const assetIdOf = (
  context: Pick<Context, "programs" | "eddsa">,
  tree: string,
  leafIndex: number
): string => findLeafAssetIdPda(context, { merkleTree: publicKey(tree), leafIndex })[0]

const pdaMarker = Buffer.from("ProgramDerivedAddress")
const assetSeed = Buffer.from("asset")
let bubblegumId: Uint8Array | undefined

/**
 * The event's asset id once it is proven to be the PDA ["asset", tree, leaf index] of Bubblegum
 * for some bump (a sha256 per bump tried, the canonical one first), else the id derived as
 * `assetIdOf` does. A hash equal to the event's id is that PDA: no one can produce it for
 * another tree or leaf. The derivation's off-curve checks, ~0.4 ms of JavaScript curve
 * arithmetic a mint, are needed only to find the bump, which Bubblegum already did on chain.
 */
export const checkedAssetId = (
  context: Pick<Context, "programs" | "eddsa">,
  tree: string,
  leafIndex: number,
  claimed: string
): string => {
  const claimedBytes = Base58.decode(claimed)
  const treeBytes = Base58.decode(tree)
  bubblegumId ??= Base58.decode(BUBBLEGUM_PROGRAM)!
  if (
    claimedBytes?.length === 32 &&
    treeBytes?.length === 32 &&
    Number.isSafeInteger(leafIndex) &&
    leafIndex >= 0
  ) {
    const index = Buffer.alloc(8)
    index.writeBigUInt64LE(BigInt(leafIndex))
    for (let bump = 255; bump >= 0; bump--) {
      const hash = createHash("sha256")
        .update(assetSeed)
        .update(treeBytes)
        .update(index)
        .update(Uint8Array.of(bump))
        .update(bubblegumId)
        .update(pdaMarker)
        .digest()
      if (hash.equals(claimedBytes)) return claimed
    }
  }
  return assetIdOf(context, tree, leafIndex)
}

/**
 * Every leaf a successful transaction minted, in the order they were minted. A failed
 * transaction minted nothing, whatever its logs say.
 */
export const mintLeafEvents = (tx: RpcTransaction): ReadonlyArray<MintLeafEvent> => {
  if (tx.meta === null || tx.meta.err !== null) return []
  const keys = [
    ...tx.transaction.message.accountKeys,
    ...(tx.meta.loadedAddresses?.writable ?? []),
    ...(tx.meta.loadedAddresses?.readonly ?? [])
  ]
  const inner = new Map((tx.meta.innerInstructions ?? []).map((group) => [group.index, group.instructions]))
  const events: Array<MintLeafEvent> = []
  tx.transaction.message.instructions.forEach((outer, index) => {
    /** The tree of the Bubblegum mint whose leaf event is still to come, if any. */
    let pendingTree: string | undefined
    for (const ix of [outer, ...(inner.get(index) ?? [])]) {
      const program = keys[ix.programIdIndex]
      if (program === BUBBLEGUM_PROGRAM) {
        const data = bytesOf(ix.data)
        pendingTree = hasMintDiscriminator(data) ? keys[ix.accounts[MERKLE_TREE_ACCOUNT] ?? -1] : undefined
      } else if (pendingTree !== undefined && program !== undefined && logWrappers.has(program)) {
        const leaf = decodeLeafEvent(bytesOf(ix.data))
        if (leaf === undefined) continue
        events.push({
          tree: pendingTree,
          leafIndex: Number(leaf.nonce),
          assetId: leaf.id,
          owner: leaf.owner,
          delegate: leaf.delegate,
          dataHash: Base58.encode(leaf.dataHash),
          creatorHash: Base58.encode(leaf.creatorHash)
        })
        pendingTree = undefined
      }
    }
  })
  return events
}
