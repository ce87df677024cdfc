/** Collections: an operator creates one (and its NFT on chain), lists, shows and changes them. */
import { Collections } from "@tickettoken/minting-core"
import { toCollectionView } from "@tickettoken/minting-core/client"
import { Effect } from "effect"
import type { Implementations } from "../Routes.ts"

const imageTypes: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml"
}
const imageType = (uri: string) =>
  imageTypes[/\.([a-z0-9]+)(?:[?#].*)?$/i.exec(uri)?.[1]?.toLowerCase() ?? ""] ?? "image"

/** How long a POST waits for the collection NFT to land before answering 202 (COLLECTION_WAIT_MS). */
const configuredWait = Number(process.env.COLLECTION_WAIT_MS ?? 60_000)
const waitFor =
  `${Number.isFinite(configuredWait) && configuredWait >= 0 ? configuredWait : 60_000} millis` as const

export const collectionRoutes: Pick<
  Implementations,
  "createCollection" | "listCollections" | "getCollection" | "updateCollection" | "getCollectionMetadata"
> = {
  createCollection: ({ body }) =>
    Effect.gen(function* () {
      const { collection, outcome } = yield* Collections.createCollection(body, { waitFor })
      const details = yield* Collections.describeCollection(collection)
      const status = outcome === "created" ? 201 : outcome === "existing" ? 200 : 202
      return { status, json: toCollectionView(details) }
    }),

  listCollections: () =>
    Effect.map(Collections.listCollections(), (all) => ({
      status: 200,
      json: { items: all.map(toCollectionView) }
    })),

  getCollection: ({ params }) =>
    Effect.map(Collections.getCollection(params.id), (details) => ({
      status: 200,
      json: toCollectionView(details)
    })),

  updateCollection: ({ params, body }) =>
    Effect.map(Collections.updateCollection(params.id, body), (details) => ({
      status: 200,
      json: toCollectionView(details)
    })),

  getCollectionMetadata: ({ params }) =>
    Effect.map(Collections.getCollection(params.id), ({ collection }) => {
      const image = collection.metadata?.image ?? ""
      return {
        status: 200,
        json: {
          name: collection.name,
          symbol: collection.symbol,
          description: collection.metadata?.description ?? "",
          image,
          ...(collection.metadata?.externalUrl === undefined
            ? {}
            : { external_url: collection.metadata.externalUrl }),
          seller_fee_basis_points: collection.sellerFeeBasisPoints ?? 0,
          properties: {
            files: image === "" ? [] : [{ uri: image, type: imageType(image) }],
            category: "image"
          }
        }
      }
    })
}
