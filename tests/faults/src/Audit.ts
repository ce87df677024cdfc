/**
 * The count at the end of every fault run, from the two sources of truth and nothing the
 * service says about itself: the database (through the repository ports) and the chain (every
 * leaf of every tree, read with the adapter's scanTree and its leaf-event parser).
 *
 * - accepted = completed + failed: every ticket the API accepted ended, none is lost;
 * - no ticket has two leaves: leaves are grouped both by the mint whose signature made them and
 *   by their data hash (the metadata, whose URI names the ticket), so even a leaf whose signature
 *   the database never heard of would show up as a double;
 * - every completed mint has its leaf on chain;
 * - a mint signed again only after its earlier signature expired unseen (settled `expired` and
 *   absent on chain) or landed with an error.
 */

import { generateKeyPairSync } from "node:crypto"
import {
  ChainGateway,
  type Mint,
  type MintedAsset,
  MintRepository,
  mintStatuses,
  TreeRegistry,
  type TreeScanPage
} from "@tickettoken/minting-core"
import * as Postgres from "@tickettoken/minting-postgres"
import { BubblegumGateway, SolanaConfig } from "@tickettoken/minting-solana"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"

export interface DoubleMint {
  readonly key: string
  readonly ticketId: string | null
  readonly leaves: ReadonlyArray<string>
}

export interface Resign {
  readonly ticketId: string
  readonly signatures: number
  /** Why each earlier signature may be followed by another; `null` where nothing justifies it. */
  readonly earlier: ReadonlyArray<{
    readonly signature: string
    readonly outcome: string
    readonly onChain: string
  }>
  readonly justified: boolean
}

export interface AuditResult {
  readonly accepted: number
  readonly completed: number
  readonly failed: number
  readonly failedByReason: Readonly<Record<string, number>>
  /** Accepted tickets that are neither completed nor failed (still pending, minting, or missing). */
  readonly unfinished: ReadonlyArray<{ readonly ticketId: string; readonly status: string }>
  /** Accepted tickets the database has no mint for. */
  readonly missingRows: ReadonlyArray<string>
  readonly completedWithoutLeaf: ReadonlyArray<string>
  readonly trees: number
  readonly leaves: number
  readonly doubleMints: ReadonlyArray<DoubleMint>
  /** Leaves no signature of any mint accounts for. */
  readonly orphanLeaves: ReadonlyArray<string>
  readonly resigns: ReadonlyArray<Resign>
  readonly lost: number
  /** The trees' own count of completed mints (kept by the service), to compare with `completed`. */
  readonly treeMinted: number
}

/** A keypair nobody funds: the auditor only reads. */
const readOnlyKeypair = () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519")
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url")
  const pub = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url")
  return JSON.stringify([...seed, ...pub])
}

const collect = <A>(items: Iterable<A>, key: (a: A) => string) => {
  const groups = new Map<string, Array<A>>()
  for (const item of items) {
    const k = key(item)
    const group = groups.get(k)
    if (group === undefined) groups.set(k, [item])
    else group.push(item)
  }
  return groups
}

export const makeAuditor = (options: { readonly databaseUrl: string; readonly rpcUrl: string }) => {
  const layer = Layer.mergeAll(
    Postgres.layer({ url: Redacted.make(options.databaseUrl), maxConnections: 4 }),
    BubblegumGateway.layer.pipe(
      Layer.provide(SolanaConfig.layer({ rpcUrl: options.rpcUrl, keypair: Redacted.make(readOnlyKeypair()) }))
    )
  )
  const runtime = ManagedRuntime.make(layer)

  const allMints = Effect.gen(function* () {
    const mints = yield* MintRepository
    const out: Array<Mint> = []
    let cursor: string | null = null
    do {
      const page: { items: ReadonlyArray<Mint>; nextCursor: string | null } = yield* mints.scan(
        mintStatuses,
        cursor,
        1_000
      )
      out.push(...page.items)
      cursor = page.nextCursor
    } while (cursor !== null)
    return out
  })

  const allLeaves = Effect.gen(function* () {
    const chain = yield* ChainGateway
    const trees = yield* (yield* TreeRegistry).list
    const leaves: Array<MintedAsset> = []
    const minted = trees.reduce((sum, tree) => sum + tree.minted, 0)
    for (const tree of trees) {
      let after: string | null = null
      for (let page = 0; page < 10_000; page++) {
        const scanned: TreeScanPage = yield* chain.scanTree(tree.address, after, 1_000)
        leaves.push(...scanned.leaves)
        if (scanned.done || scanned.checkpoint === after) break
        after = scanned.checkpoint
      }
    }
    return { trees: trees.length, leaves, minted }
  })

  const audit = (accepted: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const repository = yield* MintRepository
      const chain = yield* ChainGateway
      const mints = yield* allMints
      const byTicket = new Map(mints.map((m) => [m.ticketId, m]))
      const attempts = yield* Effect.forEach(mints, (m) => repository.attempts(m.id), { concurrency: 4 })
      const mintBySignature = new Map<string, Mint>()
      mints.forEach((mint, i) => {
        for (const attempt of attempts[i]!) mintBySignature.set(attempt.signature, mint)
        if (mint.transaction !== null) mintBySignature.set(mint.transaction.signature, mint)
        if (mint.asset !== null) mintBySignature.set(mint.asset.signature, mint)
      })
      const { trees, leaves, minted } = yield* allLeaves
      const leafBySignature = new Map(leaves.map((l) => [l.signature, l]))

      const doubles: Array<DoubleMint> = []
      for (const [mintId, group] of collect(
        leaves.filter((l) => mintBySignature.has(l.signature)),
        (l) => mintBySignature.get(l.signature)!.id
      )) {
        if (group.length > 1)
          doubles.push({
            key: `mint ${mintId}`,
            ticketId: mintBySignature.get(group[0]!.signature)!.ticketId,
            leaves: group.map((l) => l.assetId)
          })
      }
      for (const [hash, group] of collect(leaves, (l) => l.dataHash)) {
        if (group.length > 1 && !doubles.some((d) => d.leaves.includes(group[0]!.assetId)))
          doubles.push({
            key: `data hash ${hash}`,
            ticketId: mintBySignature.get(group[0]!.signature)?.ticketId ?? null,
            leaves: group.map((l) => l.assetId)
          })
      }

      const resigns: Array<Resign> = []
      const earlierSignatures = mints.flatMap((_, i) =>
        attempts[i]!.length > 1 ? attempts[i]!.slice(0, -1).map((a) => a.signature) : []
      )
      const observed = new Map(
        (earlierSignatures.length === 0 ? [] : yield* chain.statuses(earlierSignatures)).map((o) => [
          o.signature,
          o
        ])
      )
      mints.forEach((mint, i) => {
        const list = attempts[i]!
        if (list.length < 2) return
        const earlier = list.slice(0, -1).map((a) => {
          const o = observed.get(a.signature)
          const onChain =
            o === undefined || o.state === "absent"
              ? "absent"
              : o.err === null
                ? "landed"
                : "landed with an error"
          return { signature: a.signature, outcome: a.outcome, onChain }
        })
        const justified = earlier.every(
          (e) =>
            (e.outcome === "expired" && e.onChain === "absent") ||
            (e.outcome === "failed" && e.onChain !== "landed")
        )
        resigns.push({ ticketId: mint.ticketId, signatures: list.length, earlier, justified })
      })

      const acceptedMints = accepted.map((t) => byTicket.get(t))
      const missingRows = accepted.filter((_, i) => acceptedMints[i] === undefined)
      const present = acceptedMints.filter((m): m is Mint => m !== undefined)
      const completed = present.filter((m) => m.status === "completed")
      const failed = present.filter((m) => m.status === "failed")
      const failedByReason: Record<string, number> = {}
      for (const m of failed)
        failedByReason[m.failure?.code ?? "unknown"] = (failedByReason[m.failure?.code ?? "unknown"] ?? 0) + 1
      const unfinished = present
        .filter((m) => m.status !== "completed" && m.status !== "failed")
        .map((m) => ({ ticketId: m.ticketId, status: m.status }))
      const completedWithoutLeaf = completed
        .filter((m) => m.asset === null || !leafBySignature.has(m.asset.signature))
        .map((m) => m.ticketId)
      return {
        accepted: accepted.length,
        completed: completed.length,
        failed: failed.length,
        failedByReason,
        unfinished,
        missingRows,
        completedWithoutLeaf,
        trees,
        leaves: leaves.length,
        doubleMints: doubles,
        orphanLeaves: leaves.filter((l) => !mintBySignature.has(l.signature)).map((l) => l.assetId),
        resigns,
        lost: missingRows.length + unfinished.length + completedWithoutLeaf.length,
        treeMinted: minted
      } satisfies AuditResult
    })

  const run = <A, E>(effect: Effect.Effect<A, E, Layer.Success<typeof layer>>) => runtime.runPromise(effect)

  return {
    audit: (accepted: ReadonlyArray<string>) => run(audit(accepted)),
    /** Mints by status. */
    counts: () => run(Effect.flatMap(MintRepository, (m) => m.countByStatus())),
    mint: (ticketId: string) => run(Effect.flatMap(MintRepository, (m) => m.findByTicket(ticketId))),
    mintById: (id: string) => run(Effect.flatMap(MintRepository, (m) => m.get(id))),
    attempts: (mintId: string) => run(Effect.flatMap(MintRepository, (m) => m.attempts(mintId))),
    trees: () => run(Effect.flatMap(TreeRegistry, (t) => t.list)),
    /** Runs any effect on the auditor's database and chain. */
    run,
    dispose: () => runtime.dispose()
  }
}

export type Auditor = ReturnType<typeof makeAuditor>
