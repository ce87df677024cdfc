// The Digital Asset Standard read API for the devnet's compressed NFTs, with the request and
// response shapes of Metaplex's DAS specification (what @metaplex-foundation/digital-asset-
// standard-api sends and reads): named parameters, snake_case answers, page/limit pagination.
// Served: getAsset, getAssets, getAssetProof, getAssetProofs, getAssetsByOwner,
// getAssetsByGroup (collection), getAssetsByCreator, getAssetsByAuthority, searchAssets and
// getAssetSignatures. Only Bubblegum v1 compressed NFTs are indexed (no token or Core assets).
import type { AssetIndex, CompressedAsset } from "./AssetIndex.ts"
import { isAddress } from "./Encoding.ts"
import { invalidParams, type MethodHandler, RpcError } from "./JsonRpc.ts"

const MAX_LIMIT = 1000
const ASSET_NOT_FOUND = -32000

type Params = Record<string, unknown>

/** DAS takes its parameters by name; some clients send a positional array (id first). */
export const namedParams = (handler: (params: Params) => unknown): MethodHandler =>
  Object.assign(
    (params: ReadonlyArray<unknown>) => {
      const first = params[0]
      if (typeof first === "object" && first !== null && !Array.isArray(first))
        return handler(first as Params)
      if (typeof first === "string") return handler({ id: first })
      if (Array.isArray(first)) return handler({ ids: first })
      return handler({})
    },
    { namedParams: true }
  )

const idParam = (params: Params, key = "id"): string => {
  const value = params[key]
  if (!isAddress(value)) throw invalidParams(`${key} must be a base58 address`)
  return value
}

const idsParam = (params: Params): string[] => {
  const ids = params.ids
  if (!Array.isArray(ids) || !ids.every(isAddress)) throw invalidParams("ids must be an array of addresses")
  if (ids.length > MAX_LIMIT) throw invalidParams(`Too many ids; max ${MAX_LIMIT}`)
  return ids as string[]
}

const showUnverified = (params: Params): boolean => {
  const options = (params.options ?? params.displayOptions) as
    | { showUnverifiedCollections?: unknown }
    | undefined
  return options?.showUnverifiedCollections === true
}

/** An asset as DAS describes a Bubblegum v1 compressed NFT. */
export const assetView = (asset: CompressedAsset, index: AssetIndex, unverifiedCollections: boolean) => {
  const m = asset.metadata
  const collection = m.collection
  const delegated = asset.delegate !== asset.owner
  return {
    interface: "V1_NFT",
    id: asset.id,
    content: {
      $schema: "https://schema.metaplex.com/nft1.0.json",
      json_uri: m.uri,
      files: [],
      metadata: { name: m.name, symbol: m.symbol, token_standard: "NonFungible" },
      links: {}
    },
    authorities: [{ address: asset.treeAuthority, scopes: ["full"] }],
    compression: {
      eligible: false,
      compressed: true,
      data_hash: asset.dataHash,
      creator_hash: asset.creatorHash,
      asset_hash: toLeafHash(asset, index),
      tree: asset.tree,
      seq: Number(asset.seq),
      leaf_id: asset.leafIndex
    },
    grouping:
      collection && (collection.verified || unverifiedCollections)
        ? [{ group_key: "collection", group_value: collection.key, verified: collection.verified }]
        : [],
    royalty: {
      royalty_model: "creators",
      target: null,
      percent: m.sellerFeeBasisPoints / 10_000,
      basis_points: m.sellerFeeBasisPoints,
      primary_sale_happened: m.primarySaleHappened,
      locked: false
    },
    creators: m.creators.map((creator) => ({
      address: creator.address,
      share: creator.share,
      verified: creator.verified
    })),
    ownership: {
      frozen: false,
      delegated,
      delegate: delegated ? asset.delegate : null,
      ownership_model: "single",
      owner: asset.owner
    },
    supply: { print_max_supply: 0, print_current_supply: 0, edition_nonce: m.editionNonce },
    mutable: m.isMutable,
    burnt: asset.burnt
  }
}

const toLeafHash = (asset: CompressedAsset, index: AssetIndex): string =>
  index.proof(asset)?.leaf ?? "11111111111111111111111111111111"

type Filter = (asset: CompressedAsset) => boolean

const sorter = (params: Params) => {
  const sortBy = (params.sortBy ?? {}) as { sortBy?: unknown; sortDirection?: unknown }
  const key = sortBy.sortBy ?? "created"
  const direction = sortBy.sortDirection === "asc" ? 1 : -1
  return (a: CompressedAsset, b: CompressedAsset): number => {
    switch (key) {
      case "id":
        return direction * (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
      case "updated":
      case "recent_action":
        return direction * (a.updated - b.updated)
      case "none":
        return 0
      default:
        return direction * (a.created - b.created)
    }
  }
}

const page = (params: Params, assets: CompressedAsset[], index: AssetIndex) => {
  const limit = typeof params.limit === "number" ? params.limit : MAX_LIMIT
  const pageNumber = typeof params.page === "number" ? params.page : 1
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw invalidParams(`limit must be between 1 and ${MAX_LIMIT}`)
  }
  if (!Number.isSafeInteger(pageNumber) || pageNumber < 1) throw invalidParams("page starts at 1")
  if (params.before !== undefined || params.after !== undefined || params.cursor !== undefined) {
    throw invalidParams("only page/limit pagination is supported here")
  }
  const sorted = assets.sort(sorter(params))
  const items = sorted.slice((pageNumber - 1) * limit, pageNumber * limit)
  const unverified = showUnverified(params)
  return {
    total: items.length,
    limit,
    page: pageNumber,
    items: items.map((asset) => assetView(asset, index, unverified))
  }
}

const hasCollection = (asset: CompressedAsset, key: string) =>
  asset.metadata.collection?.key === key && asset.metadata.collection.verified

export const makeDasMethods = (index: AssetIndex): Record<string, MethodHandler> => {
  const find = (id: string): CompressedAsset => {
    const asset = index.asset(id)
    if (!asset) throw new RpcError(ASSET_NOT_FOUND, "Asset Not Found")
    return asset
  }
  const list = (params: Params, filter: Filter) => page(params, [...index.all()].filter(filter), index)

  return {
    getAsset: namedParams((params) => assetView(find(idParam(params)), index, showUnverified(params))),

    getAssets: namedParams((params) =>
      idsParam(params).map((id) => {
        const asset = index.asset(id)
        return asset ? assetView(asset, index, showUnverified(params)) : null
      })
    ),

    getAssetProof: namedParams((params) => {
      const proof = index.proof(find(idParam(params)))
      if (!proof) throw new RpcError(ASSET_NOT_FOUND, "Asset Proof Not Found")
      return proof
    }),

    getAssetProofs: namedParams((params) => {
      const result: Record<string, unknown> = {}
      for (const id of idsParam(params)) {
        const asset = index.asset(id)
        result[id] = asset ? (index.proof(asset) ?? null) : null
      }
      return result
    }),

    getAssetsByOwner: namedParams((params) => {
      const owner = idParam(params, "ownerAddress")
      return list(params, (asset) => asset.owner === owner && !asset.burnt)
    }),

    getAssetsByGroup: namedParams((params) => {
      if (params.groupKey !== "collection") throw invalidParams('groupKey must be "collection"')
      const value = idParam(params, "groupValue")
      return list(params, (asset) => hasCollection(asset, value) && !asset.burnt)
    }),

    getAssetsByCreator: namedParams((params) => {
      const creator = idParam(params, "creatorAddress")
      const onlyVerified = params.onlyVerified === true
      return list(
        params,
        (asset) =>
          !asset.burnt &&
          asset.metadata.creators.some(
            (entry) => entry.address === creator && (entry.verified || !onlyVerified)
          )
      )
    }),

    getAssetsByAuthority: namedParams((params) => {
      const authority = idParam(params, "authorityAddress")
      return list(params, (asset) => asset.treeAuthority === authority && !asset.burnt)
    }),

    searchAssets: namedParams((params) => {
      const conditions: Filter[] = []
      const address = (key: string) => (params[key] === undefined ? undefined : idParam(params, key))
      const owner = address("ownerAddress")
      if (owner) conditions.push((asset) => asset.owner === owner)
      const creator = address("creatorAddress")
      if (creator) {
        const verified = params.creatorVerified
        conditions.push((asset) =>
          asset.metadata.creators.some(
            (entry) =>
              entry.address === creator && (typeof verified !== "boolean" || entry.verified === verified)
          )
        )
      }
      const authority = address("authorityAddress")
      if (authority) conditions.push((asset) => asset.treeAuthority === authority)
      const delegate = address("delegateAddress")
      if (delegate) conditions.push((asset) => asset.delegate === delegate && asset.delegate !== asset.owner)
      if (params.grouping !== undefined) {
        const grouping = params.grouping
        if (!Array.isArray(grouping) || grouping[0] !== "collection" || !isAddress(grouping[1])) {
          throw invalidParams('grouping must be ["collection", <collection mint>]')
        }
        conditions.push((asset) => hasCollection(asset, grouping[1] as string))
      }
      if (typeof params.burnt === "boolean") conditions.push((asset) => asset.burnt === params.burnt)
      if (typeof params.compressed === "boolean") conditions.push(() => params.compressed === true)
      if (typeof params.frozen === "boolean") conditions.push(() => params.frozen === false)
      if (typeof params.jsonUri === "string")
        conditions.push((asset) => asset.metadata.uri === params.jsonUri)
      if (typeof params.name === "string") conditions.push((asset) => asset.metadata.name === params.name)
      if (params.interface !== undefined && params.interface !== "V1_NFT") conditions.push(() => false)
      const any = params.conditionType === "any"
      const negate = params.negate === true
      return list(params, (asset) => {
        // Without a burnt condition, burnt assets are left out, as DAS does.
        if (typeof params.burnt !== "boolean" && asset.burnt) return false
        const matched =
          conditions.length === 0
            ? true
            : any
              ? conditions.some((matches) => matches(asset))
              : conditions.every((matches) => matches(asset))
        return negate ? !matched : matched
      })
    }),

    getAssetSignatures: namedParams((params) => {
      let asset: CompressedAsset | undefined
      if (params.id !== undefined) asset = find(idParam(params))
      else {
        const tree = idParam(params, "tree")
        const leafIndex = params.leafIndex ?? params.leaf_index
        asset = [...index.all()].find((entry) => entry.tree === tree && entry.leafIndex === leafIndex)
        if (!asset) throw new RpcError(ASSET_NOT_FOUND, "Asset Not Found")
      }
      const limit = typeof params.limit === "number" ? params.limit : MAX_LIMIT
      const pageNumber = typeof params.page === "number" ? params.page : 1
      if (limit < 1 || limit > MAX_LIMIT || pageNumber < 1) throw invalidParams("bad page or limit")
      const ordered = params.sortDirection === "asc" ? [...asset.signatures] : [...asset.signatures].reverse()
      const items = ordered.slice((pageNumber - 1) * limit, pageNumber * limit)
      return { total: items.length, limit, page: pageNumber, items }
    })
  }
}
