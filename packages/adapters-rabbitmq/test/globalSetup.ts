/**
 * The broker must be there: a relay test that cannot reach it fails the run rather than
 * skipping. A local broker that is down (or left stopped by an interrupted restart test) is
 * started first, the way the machine starts it.
 */
import { execFileSync } from "node:child_process"
import { brokerAddress, isReachable } from "./Broker.ts"

const run = (command: string, args: ReadonlyArray<string>) => {
  try {
    execFileSync(command, args, { stdio: "pipe", timeout: 60_000 })
    return true
  } catch {
    return false
  }
}

export default async function setup() {
  const { host, port } = brokerAddress()
  if (await isReachable(host, port)) return
  const local = host === "127.0.0.1" || host === "localhost" || host === "::1"
  if (local) {
    console.log(`rabbitmq: nothing listens on ${host}:${port}; starting the local broker`)
    // The node may be up with the app stopped (stop_app); otherwise start the whole server.
    if (!run("rabbitmqctl", ["start_app"])) run("rabbitmq-server", ["-detached"])
    run("rabbitmqctl", ["await_startup", "--timeout", "60"])
    for (let i = 0; i < 60 && !(await isReachable(host, port)); i++) {
      await new Promise((r) => setTimeout(r, 500))
    }
  }
  if (!(await isReachable(host, port))) {
    throw new Error(
      `rabbitmq: cannot reach the broker at ${host}:${port} (RABBITMQ_URL or amqp://127.0.0.1:5672). ` +
        "The relay tests need a real broker: start it with `rabbitmq-server -detached`."
    )
  }
}
