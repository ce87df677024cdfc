/**
 * Collections from the command line, through the same use case as POST /v1/collections:
 *
 *   pnpm collection create --id <id> --name <name> [--symbol S] [--max-supply N|unlimited]
 *                          [--description D] [--image URL] [--external-url URL] [--uri URL]
 *                          [--seller-fee-bps N] [--wait-seconds 60]
 *   pnpm collection list
 *   pnpm collection show <id>
 *   pnpm collection update <id> [--max-supply N|unlimited] [--description D] [--image URL] [--external-url URL]
 *
 * `create` writes to the chain (SOLANA_RPC_URL, SOLANA_KEYPAIR: the service's fee payer becomes
 * the collection's update authority, as the mints into it need) and to the service's database
 * (DATABASE_URL). Run again with the same values, it creates nothing new; interrupted, it
 * finishes the creation it began. Every command's last line is the collection(s) as JSON.
 */
import { parseArgs } from "node:util"
import { type CollectionMetadata, Collections } from "@tickettoken/minting-core"
import { toCollectionView } from "@tickettoken/minting-core/client"
import { Effect } from "effect"
import { run, say, UsageError } from "./Operator.ts"

const usage = `usage:
  pnpm collection create --id <id> --name <name> [--symbol S] [--max-supply N|unlimited]
                         [--description D] [--image URL] [--external-url URL] [--uri URL] [--seller-fee-bps N]
                         [--wait-seconds 60]   (how long to wait for the NFT to land; run again to finish)
  pnpm collection list
  pnpm collection show <id>
  pnpm collection update <id> [--max-supply N|unlimited] [--description D] [--image URL] [--external-url URL]

Environment: DATABASE_URL (or DB=embedded, the service stopped); for create also SOLANA_RPC_URL, SOLANA_KEYPAIR and PUBLIC_BASE_URL
(where the service serves the collection's JSON, /metadata/collections/<id>, unless --uri).`

const maxSupplyOf = (text: string | undefined): number | null | undefined => {
  if (text === undefined) return undefined
  if (text === "unlimited") return null
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--max-supply is a whole number from 0, or unlimited`)
  return n
}

const metadataOf = (values: {
  readonly description?: string | undefined
  readonly image?: string | undefined
  readonly "external-url"?: string | undefined
}): CollectionMetadata | undefined => {
  const metadata = {
    ...(values.description === undefined ? {} : { description: values.description }),
    ...(values.image === undefined ? {} : { image: values.image }),
    ...(values["external-url"] === undefined ? {} : { externalUrl: values["external-url"] })
  }
  return Object.keys(metadata).length === 0 ? undefined : metadata
}

const show = (details: Collections.CollectionDetails) =>
  Effect.gen(function* () {
    const view = toCollectionView(details)
    yield* say(
      `${view.id}: "${view.name}" (${view.symbol || "no symbol"}) ${view.status}; collection mint ${view.collectionMint ?? `- (creating: ${view.creationSignature ?? "not signed yet"})`}; supply ${view.currentSupply}/${view.maxSupply ?? "unlimited"}; trees ${view.treeCount}; uri ${view.uri ?? "-"}`
    )
    return view
  })

const main = () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      id: { type: "string" },
      name: { type: "string" },
      symbol: { type: "string", default: "" },
      "max-supply": { type: "string" },
      description: { type: "string" },
      image: { type: "string" },
      "external-url": { type: "string" },
      uri: { type: "string" },
      "seller-fee-bps": { type: "string", default: "0" },
      "wait-seconds": { type: "string", default: "60" },
      help: { type: "boolean", short: "h", default: false }
    }
  })
  const [command, id, ...rest] = positionals
  if (values.help) {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  const usageError = (message?: string) => {
    process.stderr.write(`${message === undefined ? "" : `collection: ${message}\n`}${usage}\n`)
    process.exit(2)
  }
  if (rest.length > 0) return usageError()
  let maxSupply: number | null | undefined
  try {
    maxSupply = maxSupplyOf(values["max-supply"])
  } catch (error) {
    return usageError((error as Error).message)
  }
  switch (command) {
    case "create": {
      if (id !== undefined) return usageError("create takes --id, not a positional id")
      if (values.id === undefined || values.name === undefined)
        return usageError("create needs --id and --name")
      // The URI goes on chain for good: never a guessed local address.
      if (values.uri === undefined && (process.env.PUBLIC_BASE_URL ?? "") === "")
        return usageError(
          "set PUBLIC_BASE_URL (where the service serves /metadata/collections/<id>) or pass --uri: the NFT's URI is on chain for good"
        )
      const fee = Number(values["seller-fee-bps"])
      const input = {
        id: values.id,
        name: values.name,
        symbol: values.symbol,
        maxSupply: maxSupply ?? null,
        sellerFeeBasisPoints: fee,
        metadata: metadataOf(values) ?? {},
        ...(values.uri === undefined ? {} : { uri: values.uri })
      }
      return run(
        "collection create",
        Effect.gen(function* () {
          const { collection, outcome } = yield* Collections.createCollection(input, {
            waitFor: `${Number(values["wait-seconds"])} seconds`
          })
          yield* say(
            outcome === "created"
              ? `created collection ${collection.id}: its NFT ${collection.collectionMint} landed`
              : outcome === "existing"
                ? `collection ${collection.id} already exists with these values; nothing created`
                : `collection ${collection.id}: its NFT transaction is sent but has not landed yet; run the same command again to finish`
          )
          const view = yield* show(yield* Collections.describeCollection(collection))
          yield* say(JSON.stringify(view))
          if (outcome === "pending")
            return yield* Effect.fail(new Error("the collection NFT has not landed yet"))
        }),
        { chain: true }
      )
    }
    case "list":
      if (id !== undefined) return usageError()
      return run(
        "collection list",
        Effect.gen(function* () {
          const all = yield* Collections.listCollections()
          if (all.length === 0) yield* say("no collections (pnpm collection create)")
          const views = yield* Effect.forEach(all, show)
          yield* say(JSON.stringify(views))
        }),
        { chain: false }
      )
    case "show":
      if (id === undefined) return usageError("show needs an id")
      return run(
        "collection show",
        Effect.gen(function* () {
          const view = yield* show(yield* Collections.getCollection(id))
          yield* say(JSON.stringify(view))
        }),
        { chain: false }
      )
    case "update": {
      if (id === undefined) return usageError("update needs an id")
      const metadata = metadataOf(values)
      if (maxSupply === undefined && metadata === undefined)
        return usageError("update needs --max-supply or metadata (--description, --image, --external-url)")
      return run(
        "collection update",
        Effect.gen(function* () {
          // The API replaces the metadata; here the options given change only their own fields.
          const current = (yield* Collections.getCollection(id)).collection.metadata ?? {}
          const view = yield* show(
            yield* Collections.updateCollection(id, {
              ...(maxSupply === undefined ? {} : { maxSupply }),
              ...(metadata === undefined ? {} : { metadata: { ...current, ...metadata } })
            })
          )
          yield* say(JSON.stringify(view))
        }),
        { chain: false }
      )
    }
    default:
      return usageError()
  }
}

void main()
