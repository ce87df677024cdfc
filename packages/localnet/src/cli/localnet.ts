#!/usr/bin/env node
// `pnpm localnet`: a local cluster on 127.0.0.1:8899 (WebSocket on 8900, like
// solana-test-validator), until Ctrl-C.
import { parseArgs } from "node:util"
import { startLocalnet } from "../Localnet.ts"
import { formatProgramReport } from "../ProgramCache.ts"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8899" },
    host: { type: "string", default: "127.0.0.1" },
    "ws-port": { type: "string" },
    "programs-dir": { type: "string" },
    programs: { type: "string" },
    "slot-ms": { type: "string", default: "400" },
    "finalized-depth": { type: "string", default: "32" }
  }
})

const integer = (name: string, text: string): number => {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`)
  return value
}

// --programs is the short spelling used by the package's README.
const programsDir = values.programs ?? values["programs-dir"]

const localnet = await startLocalnet({
  port: integer("port", values.port),
  host: values.host,
  slotIntervalMs: integer("slot-ms", values["slot-ms"]),
  finalizedDepth: integer("finalized-depth", values["finalized-depth"]),
  ...(values["ws-port"] === undefined ? {} : { wsPort: integer("ws-port", values["ws-port"]) }),
  ...(programsDir === undefined ? {} : { programsDir })
})

for (const line of formatProgramReport(localnet.programs)) console.log(line)
console.log(`localnet: JSON-RPC ${localnet.rpcUrl}  WebSocket ${localnet.wsUrl} (and on the RPC port)`)
console.log(
  `localnet: slot ${localnet.slot()}, genesis ${localnet.genesisHash}, faucet ${localnet.faucetAddress}`
)

const stop = () => {
  void localnet.close().then(() => process.exit(0))
}
process.once("SIGINT", stop)
process.once("SIGTERM", stop)
