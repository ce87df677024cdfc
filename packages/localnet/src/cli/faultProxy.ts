#!/usr/bin/env node
// `pnpm fault-proxy`: the fault-injecting JSON-RPC proxy in front of an RPC on this machine,
// until Ctrl-C. Faults from --fault flags at start, and at any time through the control API.
import { parseArgs } from "node:util"
import { parseFaultRule, startFaultProxy } from "../FaultProxy.ts"

const { values } = parseArgs({
  options: {
    upstream: { type: "string", default: "http://127.0.0.1:8899" },
    port: { type: "string", default: "9899" },
    "control-port": { type: "string", default: "9898" },
    fault: { type: "string", multiple: true, default: [] },
    help: { type: "boolean", default: false }
  }
})

if (values.help) {
  console.log(`pnpm fault-proxy [--upstream URL] [--port N] [--control-port N] [--fault SPEC ...]

SPEC: <methods>=<fault>[,count=N][,p=0.2][,after=5s][,for=30s]
  methods: * or method names joined with +; faults: 429[:retryAfterSeconds], hold[:maxDuration],
  drop (forward, then cut the answer), lag:<blocks>, down (refuse connections; needs for=)
  e.g. --fault "sendTransaction=drop,p=0.1" --fault "*=429,after=10s,for=30s"

Control API: GET /faults (rules and counts), POST /faults {"spec": SPEC} or a rule as JSON,
DELETE /faults (all), DELETE /faults/:id`)
  process.exit(0)
}

const integer = (name: string, text: string): number => {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`)
  return value
}

const proxy = await startFaultProxy({
  upstream: values.upstream,
  port: integer("port", values.port),
  controlPort: integer("control-port", values["control-port"]),
  rules: values.fault.map(parseFaultRule)
})

console.log(`fault proxy: JSON-RPC ${proxy.rpcUrl}  WebSocket ${proxy.wsUrl} -> ${values.upstream}`)
console.log(`fault proxy: control ${proxy.controlUrl}/faults; rules: ${JSON.stringify(proxy.rules())}`)

const stop = () => {
  void proxy.close().then(() => process.exit(0))
}
process.once("SIGINT", stop)
process.once("SIGTERM", stop)
