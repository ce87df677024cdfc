#!/usr/bin/env node
// `pnpm programs:fetch [--rpc URL] [--out DIR]`: copies the programs the minting service needs
// from a cluster into the program cache and prints what it wrote.
import { parseArgs } from "node:util"
import { fetchPrograms } from "../fetchPrograms.ts"
import { defaultProgramsDir } from "../ProgramCache.ts"

const { values } = parseArgs({
  options: {
    rpc: { type: "string" },
    out: { type: "string" },
    program: { type: "string", multiple: true }
  }
})

const rpcUrl = values.rpc ?? process.env.SOLANA_RPC_URL ?? "https://api.mainnet-beta.solana.com"
const outDir = values.out ?? defaultProgramsDir()
console.log(`programs:fetch: reading from ${new URL(rpcUrl).origin} into ${outDir}`)
try {
  const fetched = await fetchPrograms({
    rpcUrl,
    outDir,
    ...(values.program === undefined ? {} : { programIds: values.program })
  })
  for (const program of fetched) {
    console.log(
      `  ${program.programId} ${program.name ?? ""}  ${program.size} bytes  sha256 ${program.sha256}`
    )
  }
} catch (error) {
  console.error(`programs:fetch: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
