// The DAS read API against the real Bubblegum, compression, noop and Token Metadata programs:
// mints, a transfer built by mpl-bubblegum's getAssetWithProof (so the proof must verify on
// chain), delegate, collection, burn; read back through @metaplex-foundation/digital-asset-
// standard-api's umi client. Skipped without the program binaries (SOLANA_PROGRAMS_DIR).

import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type DasApiInterface, dasApi } from "@metaplex-foundation/digital-asset-standard-api"
import {
  burn,
  createTree,
  delegate,
  findLeafAssetIdPda,
  getAssetWithProof,
  MPL_BUBBLEGUM_PROGRAM_ID,
  mintToCollectionV1,
  mintV1,
  parseLeafFromMintV1Transaction,
  transfer
} from "@metaplex-foundation/mpl-bubblegum"
import {
  createNft,
  findMasterEditionPda,
  findMetadataPda,
  MPL_TOKEN_METADATA_PROGRAM_ID,
  mplTokenMetadata
} from "@metaplex-foundation/mpl-token-metadata"
import { fetchMerkleTree } from "@metaplex-foundation/spl-account-compression"
import {
  generateSigner,
  keypairIdentity,
  type PublicKey,
  percentAmount,
  publicKey,
  type Umi
} from "@metaplex-foundation/umi"
import { string } from "@metaplex-foundation/umi/serializers"
import { createUmi } from "@metaplex-foundation/umi-bundle-defaults"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { inspectProgramCache, type Localnet, startLocalnet } from "../src/index.ts"
import { rpc } from "./helpers.ts"

const cache = inspectProgramCache()
const withPrograms = cache.missing.length === 0
if (!withPrograms) console.log(`das.test: SKIPPED: program binaries missing from ${cache.dir}`)

let localnet: Localnet
let umi: Umi & { rpc: DasApiInterface }
let tree: PublicKey
const ledgerDir = mkdtempSync(join(tmpdir(), "das-ledger-"))
const metadata = (name: string, creator?: PublicKey) => ({
  name,
  symbol: "TIX",
  uri: `https://example.com/${name}.json`,
  sellerFeeBasisPoints: 500,
  collection: null,
  creators: creator ? [{ address: creator, verified: false, share: 100 }] : []
})

/** The DAS methods umi gains from the plugin, typed loosely: the test reads the answers' shapes. */
// biome-ignore lint/suspicious/noExplicitAny: the answers are checked field by field
const das = () => umi.rpc as any

/** The asset id from the mint's own leaf event, read by mpl-bubblegum (independently of the index). */
const assetIdOf = async (signature: Uint8Array): Promise<string> =>
  (await parseLeafFromMintV1Transaction(umi, signature)).id

beforeAll(async () => {
  if (!withPrograms) return
  localnet = await startLocalnet({ slotIntervalMs: 10, ledgerDir })
  umi = createUmi(localnet.rpcUrl, "confirmed").use(dasApi()).use(mplTokenMetadata()) as typeof umi
  const payer = generateSigner(umi)
  umi.use(keypairIdentity(payer))
  localnet.fund(payer.publicKey, 100n * 1_000_000_000n)
  const merkleTree = generateSigner(umi)
  await (await createTree(umi, { merkleTree, maxDepth: 14, maxBufferSize: 64 })).sendAndConfirm(umi)
  tree = merkleTree.publicKey
}, 60_000)

afterAll(async () => {
  await localnet?.close()
})

describe.skipIf(!withPrograms)("DAS", () => {
  it("indexes a mint, serves a proof that a transfer verifies on chain, and follows the transfer", {
    timeout: 60_000
  }, async () => {
    const owner = generateSigner(umi)
    const creator = generateSigner(umi).publicKey
    const minted = await mintV1(umi, {
      leafOwner: owner.publicKey,
      merkleTree: tree,
      metadata: metadata("first", creator)
    }).sendAndConfirm(umi)
    const id = await assetIdOf(minted.signature)

    const asset = await das().getAsset(id)
    expect(asset).toMatchObject({
      interface: "V1_NFT",
      id,
      content: { json_uri: "https://example.com/first.json", metadata: { name: "first", symbol: "TIX" } },
      compression: { compressed: true, tree, leaf_id: 0 },
      royalty: { basis_points: 500, percent: 0.05, primary_sale_happened: false },
      creators: [{ address: creator, share: 100, verified: false }],
      ownership: { owner: owner.publicKey, delegated: false, delegate: null },
      burnt: false
    })
    // The proof's root is the tree's current root on chain.
    const proof = await das().getAssetProof(id)
    const onChain = await fetchMerkleTree(umi, tree)
    expect(proof.root).toBe(onChain.tree.changeLogs[Number(onChain.tree.activeIndex)]!.root)
    expect(proof.proof).toHaveLength(14)
    expect(proof.node_index).toBe(2 ** 14)
    expect(proof.leaf).toBe(asset.compression.asset_hash)

    // mpl-bubblegum's own helper reads getAsset + getAssetProof; the program checks the proof.
    const recipient = generateSigner(umi).publicKey
    const withProof = await getAssetWithProof(umi, publicKey(id))
    const moved = await transfer(umi, {
      ...withProof,
      leafOwner: owner,
      newLeafOwner: recipient
    }).sendAndConfirm(umi)
    expect(moved.result.value.err).toBeNull()
    expect((await das().getAsset(id)).ownership.owner).toBe(recipient)
    expect(
      (await das().getAssetsByOwner({ owner: recipient })).items.map((a: { id: string }) => a.id)
    ).toEqual([id])
    expect((await das().getAssetsByOwner({ owner: owner.publicKey })).items).toEqual([])
    expect((await das().getAssetsByCreator({ creator })).items).toHaveLength(1)
    expect((await das().getAssetsByCreator({ creator, onlyVerified: true })).items).toHaveLength(0)
    const signatures = await das().getAssetSignatures({ assetId: id })
    expect(signatures.items.map((item: { instruction: string }) => item.instruction)).toEqual([
      "Transfer",
      "MintV1"
    ])
    // A second proof, after the transfer changed the leaf, still matches the chain.
    const after = await das().getAssetProof(id)
    const onChainAfter = await fetchMerkleTree(umi, tree)
    expect(after.root).toBe(onChainAfter.tree.changeLogs[Number(onChainAfter.tree.activeIndex)]!.root)
    const proofs = await das().getAssetProofs([id])
    expect(proofs[id]).toEqual(after)
    const many = await das().getAssets([id])
    expect(many[0].id).toBe(id)
  })

  it("follows delegate and burn, each built from getAssetWithProof", { timeout: 60_000 }, async () => {
    const owner = generateSigner(umi)
    localnet.fund(owner.publicKey, 1_000_000_000n)
    const minted = await mintV1(umi, {
      leafOwner: owner.publicKey,
      merkleTree: tree,
      metadata: metadata("second")
    }).sendAndConfirm(umi)
    const id = await assetIdOf(minted.signature)
    const delegateKey = generateSigner(umi).publicKey
    const delegated = await delegate(umi, {
      ...(await getAssetWithProof(umi, publicKey(id))),
      leafOwner: owner,
      previousLeafDelegate: owner.publicKey,
      newLeafDelegate: delegateKey
    }).sendAndConfirm(umi)
    expect(delegated.result.value.err).toBeNull()
    expect((await das().getAsset(id)).ownership).toMatchObject({ delegated: true, delegate: delegateKey })
    const byDelegate = await das().searchAssets({ delegate: delegateKey })
    expect(byDelegate.items.map((a: { id: string }) => a.id)).toEqual([id])

    const burned = await burn(umi, {
      ...(await getAssetWithProof(umi, publicKey(id))),
      leafOwner: owner
    }).sendAndConfirm(umi)
    expect(burned.result.value.err).toBeNull()
    expect((await das().getAsset(id)).burnt).toBe(true)
    expect((await das().searchAssets({ owner: owner.publicKey })).items).toEqual([])
    expect((await das().searchAssets({ owner: owner.publicKey, burnt: true })).items).toHaveLength(1)
  })

  it("groups a mintToCollectionV1 asset under its verified collection", { timeout: 60_000 }, async () => {
    const collectionMint = generateSigner(umi)
    await createNft(umi, {
      mint: collectionMint,
      name: "Collection",
      uri: "https://example.com/collection.json",
      sellerFeeBasisPoints: percentAmount(0),
      isCollection: true,
      collectionDetails: { __kind: "V1", size: 0 }
    }).sendAndConfirm(umi)
    const owner = generateSigner(umi)
    const minted = await mintToCollectionV1(umi, {
      leafOwner: owner.publicKey,
      merkleTree: tree,
      collectionMint: collectionMint.publicKey,
      collectionMetadata: findMetadataPda(umi, { mint: collectionMint.publicKey }),
      collectionEdition: findMasterEditionPda(umi, { mint: collectionMint.publicKey }),
      bubblegumSigner: umi.eddsa.findPda(MPL_BUBBLEGUM_PROGRAM_ID, [
        string({ size: "variable" }).serialize("collection_cpi")
      ])[0],
      tokenMetadataProgram: MPL_TOKEN_METADATA_PROGRAM_ID,
      metadata: { ...metadata("third"), collection: { key: collectionMint.publicKey, verified: false } }
    }).sendAndConfirm(umi)
    expect(minted.result.value.err).toBeNull()
    // Token Metadata's CPI comes before the leaf event here, which parseLeafFromMintV1Transaction
    // does not expect: the id is derived from the tree's last leaf index instead.
    const onChain = await fetchMerkleTree(umi, tree)
    const leafIndex = Number(onChain.tree.rightMostPath.index) - 1
    const id = findLeafAssetIdPda(umi, { merkleTree: tree, leafIndex })[0]
    expect((await das().getAsset(id)).grouping).toEqual([
      { group_key: "collection", group_value: collectionMint.publicKey, verified: true }
    ])
    const group = await das().getAssetsByGroup({
      groupKey: "collection",
      groupValue: collectionMint.publicKey
    })
    expect(group.items.map((a: { id: string }) => a.id)).toEqual([id])
    const searched = await das().searchAssets({ grouping: ["collection", collectionMint.publicKey] })
    expect(searched.total).toBe(1)
    // A transfer from what getAssetWithProof read back lands: the index's hashes match the leaf.
    const recipient = generateSigner(umi).publicKey
    const moved = await transfer(umi, {
      ...(await getAssetWithProof(umi, publicKey(id))),
      leafOwner: owner,
      newLeafOwner: recipient
    }).sendAndConfirm(umi)
    expect(moved.result.value.err).toBeNull()
    const after = await das().getAsset(id)
    expect(after.ownership.owner).toBe(recipient)
    expect(after.grouping[0].group_value).toBe(collectionMint.publicKey)
  })

  it("answers an unknown asset with an error and a raw positional call like a DAS provider", async () => {
    const missing = await rpc(localnet.rpcUrl, "getAsset", [generateSigner(umi).publicKey])
    expect(missing.error.code).toBe(-32000)
    const authority = (await das().searchAssets({ owner: undefined, limit: 1 })).items[0].authorities[0]
      .address
    const byAuthority = await das().getAssetsByAuthority({ authority })
    expect(byAuthority.items.length).toBeGreaterThan(0)
  })

  it("rebuilds the index from the ledger after a restart", { timeout: 60_000 }, async () => {
    const before = await das().searchAssets({ burnt: false, sortBy: { sortBy: "id", sortDirection: "asc" } })
    const proofBefore = await das().getAssetProof(before.items[0].id)
    await localnet.close()
    localnet = await startLocalnet({ slotIntervalMs: 10, ledgerDir })
    expect(localnet.fresh).toBe(false)
    const again = createUmi(localnet.rpcUrl, "confirmed").use(dasApi()) as typeof umi
    const after = await (again.rpc as unknown as typeof umi.rpc).searchAssets({
      burnt: false,
      sortBy: { sortBy: "id", sortDirection: "asc" }
    })
    expect(after.items).toEqual(before.items)
    expect(await again.rpc.getAssetProof(publicKey(before.items[0].id))).toEqual(proofBefore)
  })
})
