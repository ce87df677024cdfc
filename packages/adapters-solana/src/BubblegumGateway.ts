/**
 * The ChainGateway on Solana: Bubblegum v1 compressed NFTs, built and signed with umi and
 * mpl-bubblegum, sent and read through plain JSON-RPC (SolanaRpc).
 *
 * - prepareMint signs without sending (the worker stores the bytes first), with a compute-unit
 *   limit from a simulation. The simulation is also the preflight: what would fail on chain for a
 *   lasting reason (full tree, empty fee payer, a program's refusal) fails here, before any
 *   signature exists.
 * - send therefore skips the RPC's preflight and never retries (maxRetries 0): the worker re-sends
 *   the same bytes until they land or their blockhash provably expires. Whatever the RPC still
 *   answers (a stale blockhash, a bad signature, a refusal by a node that simulates anyway) is
 *   classified like every other failure; "already processed" is success.
 * - statuses read getSignatureStatuses 256 at a time; a signature counts as landed once it
 *   reaches the configured commitment.
 * - mintedLeaf and scanTree parse Bubblegum's leaf events (LeafEvents) from getTransaction at
 *   `confirmed`; scanTree pages getSignaturesForAddress and batches the getTransaction calls.
 */
import {
  createTree as createTreeInstructions,
  findTreeConfigPda,
  MPL_BUBBLEGUM_PROGRAM_ID,
  mintToCollectionV1,
  mintV1
} from "@metaplex-foundation/mpl-bubblegum"
import {
  findMasterEditionPda,
  findMetadataPda,
  MPL_TOKEN_METADATA_PROGRAM_ID
} from "@metaplex-foundation/mpl-token-metadata"
import {
  generateSigner,
  lamports,
  type PublicKey,
  publicKey,
  type TransactionBuilder
} from "@metaplex-foundation/umi"
import { string } from "@metaplex-foundation/umi/serializers"
import {
  Base58,
  type ChainError,
  ChainGateway,
  type ChainInfo,
  type CreatedTree,
  type CreateTreeInput,
  InvalidRequest,
  MintedAsset,
  type PrepareCollectionInput,
  type PreparedCollection,
  type PreparedMint,
  type PrepareMintInput,
  type Reconciliation,
  TicketMetadata,
  type TreeChange,
  type TreeObservation,
  type TreeScanPage
} from "@tickettoken/minting-core"
import { Effect, Layer, Option, Request } from "effect"
import { batchedCalls } from "./BatchedCalls.ts"
import { dataHash, metadataArgs } from "./BubblegumMetadata.ts"
import { collectionNftInstructions, collectionProblem } from "./CollectionNft.ts"
import { checkedAssetId, type MintLeafEvent, mintLeafEvents, type RpcTransaction } from "./LeafEvents.ts"
import { BUBBLEGUM_PROGRAM, chainError, fromTransactionError } from "./RpcErrors.ts"
import { SolanaClient, type SolanaClientShape } from "./SolanaClient.ts"
import { SolanaConfig } from "./SolanaConfig.ts"
import { makeTransactions, type RpcSignatureStatus, reached } from "./Transactions.ts"
import { type RpcAccount, readTreeAccount } from "./TreeAccount.ts"
import { shapeProblem, treeCost } from "./TreeCost.ts"
import { treeChanges } from "./TreeEvents.ts"

/** A landed mint's transaction, read for its leaf. */
class ReadTransaction extends Request.Class<
  { readonly signature: string },
  RpcTransaction | null,
  ChainError,
  never
> {}

/** Signed bytes to send. */
class SendWire extends Request.Class<{ readonly wire: Uint8Array }, void, ChainError, never> {}

/**
 * Compute units a mint keeps beyond its simulation for the search of its asset id. Bubblegum
 * derives the asset id from the leaf's nonce with find_program_address, and every bump it tries
 * costs 1,500 units (create_program_address); the nonce is the tree's count of mints when the
 * transaction lands, which other mints to the tree change after the simulation. 600 consecutive
 * mintV1 on one tree consumed 27,551 to 47,052 units, in steps of 1,500; under load 0.3-0.9% of
 * mints landed failed for their limit (ComputationalBudgetExceeded) and some ran out of
 * attempts. Sixteen bumps more than the simulation saw happen once in 65,536 mints.
 */
export const ASSET_ID_SEARCH_HEADROOM = 16 * 1_500

/** The deepest tree account compression makes: a mint of unknown depth is sized for it. */
const DEEPEST_TREE = 30

/**
 * Compute units a mint keeps for the append at the leaf index it lands on. Appending at an index
 * with t trailing zero bits hashes t levels of empty nodes, each computed again from the leaf
 * level: about 100 t (t + 1) units more than at an odd index (8,200 consecutive mints on a
 * depth-14 tree: 29,041 units at an odd index, 46,764 at 8,192). A simulation at one index
 * cannot see that the mint lands at another; at 700/s every mint in flight landed on 8,192 and
 * failed there in turn. The most a tree of this depth can need, so that none does.
 */
export const appendHeadroom = (depth: number): number => {
  const t = Math.max(0, Math.min(DEEPEST_TREE, Math.floor(depth)) - 1)
  return 100 * t * (t + 1)
}

/** getSignatureStatuses takes at most this many signatures per call. */
export const STATUS_BATCH = 256
/** getSignaturesForAddress answers at most this many per page. */
export const SIGNATURE_PAGE = 1_000

/** Genesis hashes of the public clusters (as mpl-bubblegum's getCompressionProgramsForV1Ixs lists them). */
const publicGenesisHashes = new Set([
  "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d",
  "EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG",
  "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY"
])

/** "localnet" for an endpoint on this machine with a genesis no public cluster has. */
export const clusterKind = (rpcUrl: string, genesisHash: string): "localnet" | "cluster" => {
  if (publicGenesisHashes.has(genesisHash)) return "cluster"
  let host: string
  try {
    host = new URL(rpcUrl).hostname
  } catch {
    return "cluster"
  }
  return ["127.0.0.1", "localhost", "0.0.0.0", "[::1]", "::1"].includes(host) ? "localnet" : "cluster"
}

/**
 * The endpoint as it may be shown: scheme, host and port. Providers put API keys in the path or
 * the query and some URLs carry user:password; none of that may reach a page or a log.
 */
export const publicEndpoint = (rpcUrl: string): string => {
  try {
    const url = new URL(rpcUrl)
    return `${url.protocol}//${url.host}`
  } catch {
    return "(unparseable RPC URL)"
  }
}

/** The merkle tree of a Bubblegum mint instruction (mintV1 and mintToCollectionV1 both name it fourth). */
const MINT_TREE_ACCOUNT = 3

/**
 * What a landed transaction's error means, read from the transaction itself: its logs name the
 * failing program and Anchor's account, its message the programs and the tree. The status
 * alone carries only `{"InstructionError":[i,{"Custom":n}]}`, which cannot tell Bubblegum's
 * 6017 from anyone else's.
 */
export const landedReason = (tx: RpcTransaction, feePayer: string) => {
  const keys = [
    ...tx.transaction.message.accountKeys,
    ...(tx.meta?.loadedAddresses?.writable ?? []),
    ...(tx.meta?.loadedAddresses?.readonly ?? [])
  ]
  const instructions = tx.transaction.message.instructions
  const programIds = instructions.map((ix) => keys[ix.programIdIndex] ?? "")
  const mint = instructions.find((ix) => keys[ix.programIdIndex] === BUBBLEGUM_PROGRAM)
  const treeIndex = mint?.accounts[MINT_TREE_ACCOUNT]
  return fromTransactionError(tx.meta?.err, tx.meta?.logMessages ?? [], {
    feePayer,
    tree: treeIndex === undefined ? undefined : keys[treeIndex],
    accountKeys: keys,
    programIds
  })
}

const invalid = (message: string) => chainError(new InvalidRequest({ message }))

/** The PDA old Bubblegum builds sign Token Metadata's collection CPI with. */
export const collectionCpiSigner = (client: SolanaClientShape) =>
  client.umi.eddsa.findPda(MPL_BUBBLEGUM_PROGRAM_ID, [
    string({ size: "variable" }).serialize("collection_cpi")
  ])[0]

/**
 * The mint instruction for a ticket: mintToCollectionV1 when it belongs to a collection (whose
 * update authority must be the fee payer), mintV1 otherwise. Old Bubblegum builds, as deployed
 * on mainnet and devnet, verify the collection through Token Metadata with the legacy accounts:
 * the `collection_cpi` signer PDA and Token Metadata's program id, which the JS client's
 * defaults (Bubblegum's own id for both) do not give.
 */
export const mintInstruction = (
  client: SolanaClientShape,
  input: PrepareMintInput,
  pdas: Pdas = derivePdas(client)
): TransactionBuilder => {
  const { umi } = client
  const common = {
    leafOwner: publicKey(input.owner),
    merkleTree: publicKey(input.tree),
    treeConfig: pdas.treeConfig(input.tree),
    metadata: metadataArgs(input.metadata)
  }
  if (input.metadata.collection === null) return mintV1(umi, common)
  const collection = pdas.collection(input.metadata.collection)
  return mintToCollectionV1(umi, {
    ...common,
    collectionMint: publicKey(input.metadata.collection),
    collectionMetadata: collection.metadata,
    collectionEdition: collection.edition,
    bubblegumSigner: pdas.collectionCpiSigner,
    tokenMetadataProgram: MPL_TOKEN_METADATA_PROGRAM_ID
  })
}

/**
 * The program-derived addresses a mint names, derived once per tree and collection: each
 * derivation tries bumps with an on-curve check in JavaScript, a real share of a mint's cost.
 */
export interface Pdas {
  treeConfig(tree: string): PublicKey
  collection(mint: string): { readonly metadata: PublicKey; readonly edition: PublicKey }
  readonly collectionCpiSigner: PublicKey
}

export const derivePdas = (client: SolanaClientShape): Pdas => {
  const trees = new Map<string, PublicKey>()
  const collections = new Map<string, { readonly metadata: PublicKey; readonly edition: PublicKey }>()
  let cpiSigner: PublicKey | undefined
  return {
    treeConfig: (tree) => {
      let found = trees.get(tree)
      if (found === undefined) {
        found = findTreeConfigPda(client.umi, { merkleTree: publicKey(tree) })[0]
        trees.set(tree, found)
      }
      return found
    },
    collection: (mint) => {
      let found = collections.get(mint)
      if (found === undefined) {
        found = {
          metadata: findMetadataPda(client.umi, { mint: publicKey(mint) })[0],
          edition: findMasterEditionPda(client.umi, { mint: publicKey(mint) })[0]
        }
        collections.set(mint, found)
      }
      return found
    },
    get collectionCpiSigner() {
      cpiSigner ??= collectionCpiSigner(client)
      return cpiSigner
    }
  }
}

const validatePrepare = (input: PrepareMintInput): string | undefined => {
  if (!Base58.isPublicKey(input.owner)) return `owner ${input.owner} is not a Solana address`
  if (!Base58.isPublicKey(input.tree)) return `tree ${input.tree} is not a Solana address`
  const depth = input.treeDepth
  if (depth !== undefined && !(Number.isInteger(depth) && depth >= 3 && depth <= DEEPEST_TREE))
    return `tree depth ${depth} is not a whole number from 3 to ${DEEPEST_TREE}`
  // Creators' and the collection's addresses included: the serializer would throw on them.
  const violations = TicketMetadata.validate(input.metadata)
  return violations.length === 0 ? undefined : violations.map((v) => v.message).join("; ")
}

interface SignatureInfo {
  readonly signature: string
  readonly slot: number
  readonly err: unknown
}

export interface GatewayOptions {
  /** getSignaturesForAddress page size (1,000, the most the RPC gives; tests page smaller). */
  readonly signaturePageSize?: number | undefined
}

const make = Effect.fnUntraced(function* (client: SolanaClientShape, options: GatewayOptions = {}) {
  const { rpc, settings } = client
  const pageSize = options.signaturePageSize ?? SIGNATURE_PAGE
  const transactions = yield* makeTransactions(client)
  const pdas = derivePdas(client)

  const toAsset = (signature: string, slot: number, event: MintLeafEvent) =>
    new MintedAsset({
      assetId: event.assetId,
      tree: event.tree,
      leafIndex: event.leafIndex,
      signature,
      slot,
      owner: event.owner,
      dataHash: event.dataHash
    })

  const getTransactionParams = (signature: string) => [
    signature,
    // mintedLeaf must see a mint as soon as statuses say it landed: confirmed, never finalized.
    { encoding: "json", commitment: "confirmed", maxSupportedTransactionVersion: 0 }
  ]

  const prepareMint = Effect.fn("BubblegumGateway.prepareMint")(function* (input: PrepareMintInput) {
    const problem = validatePrepare(input)
    if (problem !== undefined) return yield* Effect.fail(invalid(problem))
    const signed = yield* transactions.prepare(mintInstruction(client, input, pdas), {
      tree: input.tree,
      kind: input.metadata.collection === null ? "mintV1" : "mintToCollectionV1",
      headroomUnits: ASSET_ID_SEARCH_HEADROOM + appendHeadroom(input.treeDepth ?? DEEPEST_TREE)
    })
    yield* Effect.annotateCurrentSpan({
      "solana.signature": signed.signature,
      "solana.compute_unit_limit": signed.computeUnitLimit
    })
    return {
      signature: signed.signature,
      wire: signed.wire,
      lastValidBlockHeight: signed.lastValidBlockHeight,
      tree: input.tree,
      dataHash: dataHash(input.metadata)
    } satisfies PreparedMint
  })

  const prepareCollection = Effect.fn("BubblegumGateway.prepareCollection")(function* (
    input: PrepareCollectionInput
  ) {
    const problem = collectionProblem(input)
    if (problem !== undefined) return yield* Effect.fail(invalid(problem))
    const mint = generateSigner(client.umi)
    const signed = yield* transactions.prepare(collectionNftInstructions(client, mint, input), {
      kind: "createCollection"
    })
    return {
      mint: mint.publicKey,
      signature: signed.signature,
      wire: signed.wire,
      lastValidBlockHeight: signed.lastValidBlockHeight
    } satisfies PreparedCollection
  })

  // Mints signed together are sent together. An error in the batch (already processed, a stale
  // blockhash) is left to the sends one by one, which classify it with the fee payer's context;
  // sending the same bytes twice lands them once.
  const sends = batchedCalls<SendWire>({
    rpc,
    method: "sendTransaction",
    batchSize: settings.rpcBatchSize,
    params: (request) => transactions.sendParams(request.wire),
    alone: (request) => transactions.send(request.wire),
    answer: () => undefined
  })

  const send = Effect.fn("BubblegumGateway.send")(function* (wire: Uint8Array) {
    yield* Effect.request(new SendWire({ wire }), sends)
  })

  const statuses = Effect.fn("BubblegumGateway.statuses")(function* (signatures: ReadonlyArray<string>) {
    const chunks: Array<ReadonlyArray<string>> = []
    for (let i = 0; i < signatures.length; i += STATUS_BATCH)
      chunks.push(signatures.slice(i, i + STATUS_BATCH))
    const answers = yield* Effect.forEach(
      chunks,
      (chunk) =>
        rpc.call<{ value: ReadonlyArray<RpcSignatureStatus | null> }>("getSignatureStatuses", [
          chunk,
          { searchTransactionHistory: true }
        ]),
      { concurrency: settings.rpcConcurrency }
    )
    const observed = answers.flatMap((answer, c) =>
      chunks[c]!.map((signature, i): Reconciliation.SignatureObservation => {
        const status = answer.value[i] ?? null
        // Below the configured commitment a transaction may still vanish with its fork.
        if (status === null || !reached(status, settings.commitment)) return { signature, state: "absent" }
        return {
          signature,
          state: "landed",
          slot: status.slot,
          err: status.err === null || status.err === undefined ? null : JSON.stringify(status.err)
        }
      })
    )
    // Failures are rare: each is classified from its transaction's logs, all in one batch. One
    // that cannot be read stays unclassified (the worker counts it as a failed attempt).
    const failed = observed.filter((o) => o.state === "landed" && o.err !== null)
    if (failed.length === 0) return observed
    const txs = yield* rpc
      .batch<RpcTransaction | null>(
        "getTransaction",
        failed.map((o) => getTransactionParams(o.signature))
      )
      .pipe(Effect.orElseSucceed(() => failed.map(() => null)))
    const reasons = new Map(
      failed.flatMap((o, i) => {
        const tx = txs[i]
        return tx === null || tx === undefined
          ? []
          : [[o.signature, landedReason(tx, client.feePayer)] as const]
      })
    )
    return observed.map((o) => {
      const reason = reasons.get(o.signature)
      return reason === undefined || o.state !== "landed" ? o : { ...o, reason }
    })
  })

  const accountsExist = Effect.fn("BubblegumGateway.accountsExist")(function* (
    addresses: ReadonlyArray<string>
  ) {
    if (addresses.length === 0) return []
    const bad = addresses.find((a) => !Base58.isPublicKey(a))
    if (bad !== undefined) return yield* Effect.fail(invalid(`${bad} is not a Solana address`))
    // getMultipleAccounts takes at most 100 keys; the managed trees are a handful.
    const pages: Array<ReadonlyArray<string>> = []
    for (let i = 0; i < addresses.length; i += 100) pages.push(addresses.slice(i, i + 100))
    const answers = yield* Effect.forEach(pages, (page) =>
      rpc.call<{ value: ReadonlyArray<unknown> }>("getMultipleAccounts", [
        page,
        { commitment: settings.commitment, encoding: "base64", dataSlice: { offset: 0, length: 0 } }
      ])
    )
    return answers.flatMap((answer) =>
      answer.value.map((account) => account !== null && account !== undefined)
    )
  })

  const readTransaction = (signature: string) =>
    rpc.call<RpcTransaction | null>("getTransaction", getTransactionParams(signature))

  // Mints whose statuses came in the same read land together and read their transactions at once.
  const transactionReads = batchedCalls<ReadTransaction>({
    rpc,
    method: "getTransaction",
    batchSize: settings.rpcBatchSize,
    params: (request) => getTransactionParams(request.signature),
    alone: (request) => readTransaction(request.signature),
    answer: (result) => (result ?? null) as RpcTransaction | null
  })

  const mintedLeaf = Effect.fn("BubblegumGateway.mintedLeaf")(function* (signature: string) {
    if (Base58.decode(signature)?.length !== 64)
      return yield* Effect.fail(invalid(`${signature} is not a signature`))
    const tx = yield* Effect.request(new ReadTransaction({ signature }), transactionReads)
    if (tx === null) return Option.none<MintedAsset>()
    const [first] = mintLeafEvents(tx)
    if (first === undefined) return Option.none<MintedAsset>()
    // One leaf: its asset id is proven to be the leaf's PDA, not taken on the event's word.
    const assetId = checkedAssetId(client.umi, first.tree, first.leafIndex, first.assetId)
    return Option.some(toAsset(signature, tx.slot, { ...first, assetId }))
  })

  /**
   * The tree's signatures newer than `after`, oldest first. Pages are newest first, so reaching
   * the oldest new one means reading back to the checkpoint; the list is kept for the next call
   * when it starts where this one stopped, so a long scan reads each page once.
   */
  let remembered:
    | { readonly tree: string; readonly after: string | null; readonly list: ReadonlyArray<SignatureInfo> }
    | undefined
  const signaturesAfter = (tree: string, after: string | null) =>
    Effect.gen(function* () {
      if (remembered !== undefined && remembered.tree === tree && remembered.after === after)
        return remembered.list
      const pages: Array<ReadonlyArray<SignatureInfo>> = []
      let before: string | undefined
      while (true) {
        const page = yield* rpc.call<ReadonlyArray<SignatureInfo>>("getSignaturesForAddress", [
          tree,
          {
            limit: pageSize,
            commitment: "confirmed",
            ...(before === undefined ? {} : { before }),
            ...(after === null ? {} : { until: after })
          }
        ])
        pages.push(page)
        if (page.length < pageSize) break
        before = page[page.length - 1]!.signature
      }
      return pages.flat().reverse()
    })

  const scanTree = Effect.fn("BubblegumGateway.scanTree")(function* (
    tree: string,
    after: string | null,
    limit: number,
    known?: ReadonlySet<string>
  ) {
    if (!Base58.isPublicKey(tree)) return yield* Effect.fail(invalid(`tree ${tree} is not a Solana address`))
    if (!Number.isInteger(limit) || limit < 1)
      return yield* Effect.fail(invalid(`limit ${limit} must be at least 1`))
    const all = yield* signaturesAfter(tree, after)
    const page = all.slice(0, limit)
    const rest = all.slice(page.length)
    const checkpoint = page.at(-1)?.signature ?? after
    remembered = rest.length > 0 ? { tree, after: checkpoint, list: rest } : undefined
    // A failed transaction changed nothing: it is not read. Every other one is, once: the
    // replica needs each change log, whoever's transaction it was. (`known` only spares the
    // leaves of those from `leaves`, which a caller that keeps no replica may use.)
    const landed = page.filter((s) => s.err === null || s.err === undefined)
    // Each batch is parsed as it arrives: the endpoint serves the next ones meanwhile (a page
    // parsed only once whole left the chain idle for as long as the parse took).
    const parsed = yield* rpc.batchMap<RpcTransaction | null, TreeChange>(
      "getTransaction",
      landed.map((s) => getTransactionParams(s.signature)),
      (txs, first) =>
        txs.flatMap((tx, i) =>
          tx === null
            ? []
            : treeChanges(landed[first + i]!.signature, tx).filter((c) => c.change.tree === tree)
        )
    )
    const changes = [...parsed].sort((a, b) => a.change.seq - b.change.seq)
    // The mints among the changes are the leaves (each parsed once: a mint's change carries its
    // leaf event and its URI).
    const leaves = changes.flatMap((c) =>
      c.mintedUri === null || c.leaf === null || known?.has(c.signature) === true
        ? []
        : [
            new MintedAsset({
              assetId: c.leaf.assetId,
              tree,
              leafIndex: c.change.leafIndex,
              signature: c.signature,
              slot: c.slot,
              owner: c.leaf.owner,
              dataHash: c.leaf.dataHash
            })
          ]
    )
    yield* Effect.annotateCurrentSpan({ "solana.signatures": page.length, "solana.leaves": leaves.length })
    // Listed at `confirmed`: each one landed, as a status read would say.
    const signatures = page.map(
      (s): Reconciliation.SignatureObservation => ({
        signature: s.signature,
        state: "landed",
        slot: s.slot,
        err: s.err === null || s.err === undefined ? null : JSON.stringify(s.err)
      })
    )
    return { leaves, changes, checkpoint, done: rest.length === 0, signatures } satisfies TreeScanPage
  })

  const createTree = Effect.fn("BubblegumGateway.createTree")(function* (input: CreateTreeInput) {
    const problem = shapeProblem(input)
    if (problem !== undefined) return yield* Effect.fail(invalid(problem))
    const { bytes } = treeCost(input)
    const rent = yield* rpc.call<number>("getMinimumBalanceForRentExemption", [bytes])
    const merkleTree = generateSigner(client.umi)
    // mpl-bubblegum's createTree reads the rent through umi.rpc; it is already known.
    const builder = yield* Effect.promise(() =>
      createTreeInstructions(
        { ...client.umi, rpc: { ...client.umi.rpc, getRent: async () => lamports(rent) } },
        {
          merkleTree,
          maxDepth: input.maxDepth,
          maxBufferSize: input.maxBufferSize,
          canopyDepth: input.canopyDepth,
          public: false
        }
      )
    )
    const signed = yield* transactions.prepare(builder, { tree: merkleTree.publicKey })
    yield* transactions.sendAndConfirm(signed, { tree: merkleTree.publicKey })
    return {
      ...input,
      address: merkleTree.publicKey,
      signature: signed.signature,
      rentLamports: rent
    } satisfies CreatedTree
  })

  const info = Effect.gen(function* () {
    // The genesis is read every time: a changed one (a reset chain behind the same URL) is news.
    const [genesis, slot, blockHeight, balance] = yield* Effect.all(
      [
        rpc.call<string>("getGenesisHash", []),
        rpc.call<number>("getSlot", [{ commitment: settings.commitment }]),
        transactions.blockHeight,
        rpc.call<{ value: number }>("getBalance", [client.feePayer, { commitment: settings.commitment }])
      ],
      { concurrency: 4 }
    )
    return {
      kind: clusterKind(settings.rpcUrl, genesis),
      rpcUrl: publicEndpoint(settings.rpcUrl),
      genesisHash: genesis,
      slot,
      blockHeight,
      feePayer: client.feePayer,
      feePayerLamports: balance.value
    } satisfies ChainInfo
  }).pipe(Effect.withSpan("BubblegumGateway.info"))

  /**
   * The genesis hash (never the cached one: a changed cluster is what this is for), the block
   * height and every tree account, as one JSON-RPC batch.
   */
  const observeTrees = Effect.fn("BubblegumGateway.observeTrees")(function* (
    addresses: ReadonlyArray<string>
  ) {
    const chunks: Array<ReadonlyArray<string>> = []
    for (let i = 0; i < addresses.length; i += 100) chunks.push(addresses.slice(i, i + 100))
    const answers = yield* rpc.together([
      { method: "getGenesisHash", params: [] },
      { method: "getBlockHeight", params: [{ commitment: settings.commitment }] },
      ...chunks.map((chunk) => ({
        method: "getMultipleAccounts",
        params: [chunk, { encoding: "base64", commitment: "confirmed" }]
      }))
    ])
    const accounts = answers
      .slice(2)
      .flatMap((answer) => (answer as { value: ReadonlyArray<RpcAccount | null> }).value)
    return {
      genesisHash: answers[0] as string,
      blockHeight: answers[1] as number,
      trees: addresses.map((address, i) =>
        readTreeAccount(address, accounts[i] ?? null, pdas.treeConfig(address))
      )
    } satisfies TreeObservation
  })

  return ChainGateway.of({
    prepareMint,
    prepareCollection,
    observeTrees,
    send,
    statuses,
    blockHeight: transactions.blockHeight.pipe(Effect.withSpan("BubblegumGateway.blockHeight")),
    mintedLeaf,
    scanTree,
    createTree,
    accountsExist,
    hashMetadata: (metadata) => Effect.sync(() => dataHash(metadata)),
    info,
    rpcCalls: Effect.sync(() => client.tally.requests)
  })
})

/** The ChainGateway over a SolanaClient already in context. */
const layerClient: Layer.Layer<ChainGateway, never, SolanaClient> = Layer.effect(
  ChainGateway,
  Effect.flatMap(SolanaClient, (client) => make(client))
)

/** The ChainGateway, the SolanaClient and the RpcCallCounter, from a SolanaConfig. */
const layer = layerClient.pipe(Layer.provideMerge(SolanaClient.layer))

export const BubblegumGateway = {
  /** The gateway's implementation over a client, for callers that hold one. */
  make,
  layerClient,
  layer,
  /** Everything from the environment (SOLANA_RPC_URL, SOLANA_KEYPAIR, ...: see SolanaConfig). */
  layerConfig: layer.pipe(Layer.provide(SolanaConfig.layerConfig))
} as const
