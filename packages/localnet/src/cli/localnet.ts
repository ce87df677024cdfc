#!/usr/bin/env node
// `pnpm localnet`: a local cluster on 127.0.0.1:8899 (WebSocket on 8900, like
// solana-test-validator), until Ctrl-C or SIGTERM. `--ledger <dir>` keeps the chain across
// restarts; `--reset` starts that ledger over.
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
    "finalized-depth": { type: "string", default: "32" },
    ledger: { type: "string" },
    reset: { type: "boolean", default: false }
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
  ...(programsDir === undefined ? {} : { programsDir }),
  ...(values.ledger === undefined ? {} : { ledgerDir: values.ledger, reset: values.reset })
})

for (const line of formatProgramReport(localnet.programs)) console.log(line)
console.log(`localnet: JSON-RPC ${localnet.rpcUrl}  WebSocket ${localnet.wsUrl} (and on the RPC port)`)
console.log(
  `localnet: slot ${localnet.slot()}, genesis ${localnet.genesisHash}, faucet ${localnet.faucetAddress}`
)

if (values.reset && values.ledger === undefined) {
  console.log("localnet: --reset without --ledger: nothing to reset, every start without a ledger is new")
}
console.log(
  localnet.ledgerDir === undefined
    ? `localnet: NEW chain (genesis ${localnet.genesisHash}); nothing is kept after it stops (--ledger <dir> keeps it)`
    : localnet.fresh
      ? `localnet: NEW chain (genesis ${localnet.genesisHash}), kept in ${localnet.ledgerDir}`
      : `localnet: RESUMED the chain in ${localnet.ledgerDir} at slot ${localnet.slot()}, block height ${localnet.blockHeight()}, ${localnet.transactions.size} transactions (--reset starts over)`
)

const stop = () => {
  void localnet.close().then(() => process.exit(0))
}
process.once("SIGINT", stop)
process.once("SIGTERM", stop)
