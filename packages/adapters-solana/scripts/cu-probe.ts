import { createTree, mintV1, TokenProgramVersion, TokenStandard } from "@metaplex-foundation/mpl-bubblegum"
import {
  generateSigner,
  keypairIdentity,
  lamports,
  publicKey,
  transactionBuilder
} from "@metaplex-foundation/umi"
import { createUmi } from "@metaplex-foundation/umi-bundle-defaults"
import { getTransactionDecoder } from "@solana/kit"
import { Keypair } from "@solana/web3.js"
import { inspectProgramCache, KNOWN_PROGRAMS, programPath } from "@tickettoken/solana-localnet"
import { FailedTransactionMetadata, LiteSVM } from "litesvm"

const cache = inspectProgramCache()
const svm = new LiteSVM()
for (const program of KNOWN_PROGRAMS)
  svm.addProgramFromFile(program.programId as never, programPath(cache.dir, program.programId))
const umi = createUmi("http://127.0.0.1:9")
const payer = generateSigner(umi)
umi.use(keypairIdentity(payer))
svm.airdrop(payer.publicKey as never, (1_000n * 1_000_000_000n) as never)
const decoder = getTransactionDecoder()
const send = (wire: Uint8Array) => {
  const result = svm.sendTransaction(decoder.decode(wire) as never)
  if (result instanceof FailedTransactionMetadata) throw new Error(`${String(result.err())}`)
  return Number(result.computeUnitsConsumed())
}
const tree = generateSigner(umi)
const rentUmi = {
  ...umi,
  rpc: {
    ...umi.rpc,
    getRent: async (bytes: number) => lamports(svm.minimumBalanceForRentExemption(BigInt(bytes)))
  }
}
const create = await createTree(rentUmi, {
  merkleTree: tree,
  maxDepth: 14,
  maxBufferSize: 64,
  canopyDepth: 0
})
send(umi.transactions.serialize(await create.setBlockhash(svm.latestBlockhash()).buildAndSign(umi)))
const owner = publicKey(Keypair.generate().publicKey.toBase58())
const used: number[] = []
const N = Number(process.argv[2] ?? 8200)
for (let n = 0; n < N; n++) {
  const tx = await transactionBuilder()
    .add(
      mintV1(umi, {
        leafOwner: owner,
        merkleTree: tree.publicKey,
        metadata: {
          name: `Ticket ${n}`,
          symbol: "TIX",
          uri: `https://tickets.example/metadata/e2e300r12345-${n}`,
          sellerFeeBasisPoints: 0,
          creators: [],
          collection: null,
          primarySaleHappened: false,
          isMutable: true,
          editionNonce: null,
          tokenStandard: TokenStandard.NonFungible,
          uses: null,
          tokenProgramVersion: TokenProgramVersion.Original
        }
      })
    )
    .setBlockhash(svm.latestBlockhash())
    .buildAndSign(umi)
  used.push(send(umi.transactions.serialize(tx)))
  if (n % 50 === 0) svm.expireBlockhash()
}
const byTz = new Map<number, number[]>()
used.forEach((u, i) => {
  let tz = 0
  while (tz < 20 && i > 0 && ((i >> tz) & 1) === 0) tz++
  const l = byTz.get(tz) ?? []
  l.push(u)
  byTz.set(tz, l)
})
for (const [tz, l] of [...byTz].sort((a, b) => a[0] - b[0]))
  console.log("trailing zeros", tz, "min", Math.min(...l), "max", Math.max(...l), "n", l.length)
for (const i of [1023, 1024, 2047, 2048, 4095, 4096, 8191, 8192]) if (i < N) console.log(i, used[i])
const sorted = [...used].sort((a, b) => b - a)
console.log("top", sorted.slice(0, 10).join(" "))
