// The libraries as another team gets them: every library packed, each tarball checked (no
// catalog:/workspace: left, publint, arethetypeswrong), then installed with npm into a scratch
// project outside the workspace with the lowest effect of the peer range, where plain Node
// imports every subpath, `tsc --strict` (nodenext) checks a consumer and the READMEs' examples,
// vitest runs the domain over the /testing layers with a contract suite, the packed localnet's
// bin serves a slot to @solana/web3.js, and the README's Promise-client example (no Effect)
// mints a ticket through the real service.
import { type ChildProcess, execFile, spawn } from "node:child_process"
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from "node:fs"
import { createServer } from "node:net"
import { homedir, tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { publint } from "publint"
import { formatMessage } from "publint/utils"

const root = resolve(import.meta.dirname, "../../..")
const libraries = ["core", "adapters-postgres", "adapters-solana", "adapters-rabbitmq", "localnet"]
const keep = process.argv.includes("--keep")

const started = Date.now()
const seconds = () => ((Date.now() - started) / 1000).toFixed(1)
const step = (text: string) => console.log(`consumer [${seconds()} s] ${text}`)

const work = mkdtempSync(join(tmpdir(), "tt-consumer-"))
const tarballs = join(work, "tarballs")
const project = join(work, "project")
mkdirSync(tarballs)

// The scratch project sees a clean shell: Node 22 (this one) first on PATH, none of pnpm's or
// turbo's variables, no NODE_OPTIONS.
const cleanEnv: NodeJS.ProcessEnv = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` }
for (const [name, value] of Object.entries(process.env)) {
  if (/^(npm_|PNPM|pnpm_|TURBO|NODE_OPTIONS$|INIT_CWD$|PATH$)/i.test(name)) continue
  cleanEnv[name] = value
}

const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }
) =>
  new Promise<string>((ok, fail) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? cleanEnv,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024
      },
      (error, stdout, stderr) => {
        if (error) fail(new Error(`${command} ${args.join(" ")} failed:\n${stdout}\n${stderr}`))
        else ok(stdout)
      }
    )
  })

const freePort = () =>
  new Promise<number>((ok) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => ok(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

const children: Array<ChildProcess> = []
const startProcess = (command: string, args: ReadonlyArray<string>, cwd: string, env: NodeJS.ProcessEnv) => {
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true })
  const output: Array<string> = []
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()))
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()))
  children.push(child)
  return { child, output: () => output.join("") }
}
/** SIGTERM to each process group started here, SIGKILL to what is still up 10 s later. */
const stopAll = async () => {
  const signal = (child: ChildProcess, name: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
    try {
      process.kill(-child.pid, name)
    } catch {}
  }
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done()
          const timer = setTimeout(() => signal(child, "SIGKILL"), 10_000)
          child.once("exit", () => {
            clearTimeout(timer)
            done()
          })
          signal(child, "SIGTERM")
        })
    )
  )
}

const waitFor = async (
  what: string,
  ready: () => Promise<boolean>,
  output: () => string,
  timeoutMs: number
) => {
  const deadline = Date.now() + timeoutMs
  while (!(await ready().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up in ${timeoutMs} ms:\n${output()}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const main = async () => {
  // 1. Pack.
  await Promise.all(
    libraries.map((dir) =>
      run("pnpm", ["pack", "--pack-destination", tarballs], {
        cwd: join(root, "packages", dir),
        env: process.env
      })
    )
  )
  const packed = readdirSync(tarballs).filter((name) => name.endsWith(".tgz"))
  if (packed.length !== libraries.length) throw new Error(`packed ${packed.length} of ${libraries.length}`)
  step(`packed ${packed.join(", ")}`)

  // The service the Promise client talks to: the workspace's own, started now to overlap the install.
  const secret = "consumer-test-secret"
  const servicePort = await freePort()
  const serviceData = join(work, "service-data")
  const serviceEnv: NodeJS.ProcessEnv = {
    ...cleanEnv,
    PORT: String(servicePort),
    DATA_DIR: serviceData,
    LOCALNET_PORT: String(await freePort()),
    INTERNAL_AUTH_SECRETS: secret,
    LOG_LEVEL: "warn"
  }
  for (const name of [
    "DATABASE_URL",
    "DB_HOST",
    "SOLANA_RPC_URL",
    "SOLANA_KEYPAIR",
    "DB",
    "CHAIN",
    "PUBLIC_BASE_URL"
  ])
    delete serviceEnv[name]
  const service = startProcess(process.execPath, ["src/main.ts"], join(root, "apps/http"), serviceEnv)

  // 2. Each tarball: its manifest, publint, arethetypeswrong.
  const attw = join(root, "tests/consumer/node_modules/.bin/attw")
  const manifests: Record<
    string,
    { name: string; exports: Record<string, unknown>; peerDependencies: Record<string, string> }
  > = {}
  await Promise.all(
    packed.map(async (file) => {
      const path = join(tarballs, file)
      const manifestText = await run("tar", ["-xzOf", path, "package/package.json"], { cwd: work })
      const manifest = JSON.parse(manifestText) as {
        name: string
        private?: boolean
        exports: Record<string, unknown>
        peerDependencies: Record<string, string>
      }
      for (const leftover of ["catalog:", "workspace:"]) {
        if (manifestText.includes(leftover)) throw new Error(`${file}: "${leftover}" in the packed manifest`)
      }
      if (manifest.private) throw new Error(`${file}: private`)
      for (const [subpath, target] of Object.entries(manifest.exports)) {
        if (subpath === "./package.json") continue
        const conditions = target as Record<string, string>
        if (!conditions.types?.startsWith("./dist/") || !conditions.import?.startsWith("./dist/")) {
          throw new Error(`${file}: exports["${subpath}"] must have types and import in dist/`)
        }
      }
      manifests[file] = manifest
      const tarball = readFileSync(path)
      const lint = await publint({
        pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
        strict: true
      })
      if (lint.messages.length > 0) {
        const text = lint.messages.map((m) => `  ${m.type}: ${formatMessage(m, lint.pkg) ?? m.code}`)
        throw new Error(`publint ${file}:\n${text.join("\n")}`)
      }
      // ESM only, on purpose: require() of these packages is not supported.
      await run(attw, [path, "--profile", "esm-only", "--format", "ascii"], { cwd: work, env: process.env })
    })
  )
  step("manifests, publint and arethetypeswrong clean on every tarball")

  // 3. The scratch project.
  cpSync(join(import.meta.dirname, "../fixture"), project, { recursive: true })
  const readmeDir = join(project, "readme")
  mkdirSync(readmeDir)
  const examples: Array<string> = []
  for (const dir of libraries) {
    const readme = readFileSync(join(root, "packages", dir, "README.md"), "utf8")
    for (const match of readme.matchAll(/```ts file=(\S+)\n([\s\S]*?)```/g)) {
      writeFileSync(join(readmeDir, match[1]!), match[2]!)
      examples.push(match[1]!)
    }
  }
  // The lowest effect the core's peer range admits (^x.y.z): what a consumer may have.
  const core = Object.values(manifests).find((m) => m.name === "@tickettoken/minting-core")!
  const lowestEffect = (core.peerDependencies.effect ?? "").replace(/^\^/, "")
  const catalog = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8")
  const pinned = (name: string) => {
    const line = catalog.split("\n").find((l) => l.trim().replaceAll('"', "").startsWith(`${name}:`))
    if (!line) throw new Error(`${name} is not in the catalog`)
    return line.split(":").at(-1)!.trim()
  }
  const dependencies: Record<string, string> = {
    effect: lowestEffect,
    "@effect/sql-pg": pinned("@effect/sql-pg"),
    "@effect/vitest": pinned("@effect/vitest"),
    vitest: pinned("vitest"),
    "@solana/web3.js": pinned("@solana/web3.js"),
    typescript: pinned("typescript"),
    "@types/node": pinned("@types/node")
  }
  for (const [file, manifest] of Object.entries(manifests))
    dependencies[manifest.name] = `file:../tarballs/${file}`
  writeFileSync(
    join(project, "package.json"),
    `${JSON.stringify({ name: "consumer", private: true, type: "module", dependencies }, null, 2)}\n`
  )
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: project,
    timeoutMs: 150_000
  })
  const effectInstalled = JSON.parse(readFileSync(join(project, "node_modules/effect/package.json"), "utf8"))
  if (effectInstalled.version !== lowestEffect) throw new Error(`effect ${effectInstalled.version} installed`)
  step(`npm install: the ${packed.length} tarballs with effect ${lowestEffect}`)

  // 4. Every subpath with plain Node: no loader, no type stripping.
  const subpaths = Object.values(manifests).flatMap((m) =>
    Object.keys(m.exports)
      .filter((s) => s !== "./package.json")
      .map((s) => m.name + s.slice(1))
  )
  const importAll = subpaths
    .map(
      (s) =>
        `{ const m = await import("${s}"); if (Object.keys(m).length === 0) throw new Error("${s}: no exports") }`
    )
    .join("\n")
  await run("node", ["--no-experimental-strip-types", "--input-type=module", "-e", importAll], {
    cwd: project
  })
  step(`plain Node imported ${subpaths.join(", ")}`)

  // 5-8 are independent: they run side by side.
  // The program cache the workspace uses, or an empty folder: the localnet starts either way.
  const cache = process.env.SOLANA_PROGRAMS_DIR ?? join(homedir(), ".cache/tickettoken-minting/programs")
  const programs = existsSync(cache) ? cache : join(work, "no-programs")
  mkdirSync(programs, { recursive: true })
  await Promise.all([
    // 5. Types, strict and nodenext: the consumer's tests and every README example.
    (async () => {
      await run("npx", ["tsc", "-p", "tsconfig.json"], { cwd: project })
      // umi 1.6's own declarations do not compile (DeserializedAccounts): whoever imports
      // minting-solana's types needs skipLibCheck, as its README says.
      await run("npx", ["tsc", "-p", "tsconfig.solana.json"], { cwd: project })
      step(`tsc --strict (nodenext): test/domain.test.ts and ${examples.join(", ")}`)
    })(),

    // 6. The domain over /testing, with a contract suite (and the README's test examples).
    (async () => {
      const vitest = await run("npx", ["vitest", "run", "--reporter=dot"], { cwd: project })
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the reporter's colours
      const plain = vitest.replace(/\x1b\[[0-9;]*m/g, "")
      const summary = plain.split("\n").find((line) => line.includes("Tests"))
      step(`vitest: ${summary?.replace(/\s+/g, " ").trim()}`)
      const domain = await run("node", ["readme/core-domain.ts"], { cwd: project })
      if (!domain.includes("t-1: 1 completed")) throw new Error(`readme/core-domain.ts printed:\n${domain}`)
      step(`readme/core-domain.ts: ${domain.trim().split("\n").at(-1)}`)
    })(),

    // 7. The packed localnet's bin, asked for a slot by @solana/web3.js.
    (async () => {
      const rpcPort = await freePort()
      const localnet = startProcess(
        "npx",
        [
          "solana-localnet",
          "--programs",
          programs,
          "--port",
          String(rpcPort),
          "--ws-port",
          String(await freePort())
        ],
        project,
        cleanEnv
      )
      await waitFor(
        "solana-localnet",
        async () => localnet.output().includes("JSON-RPC"),
        localnet.output,
        60_000
      )
      const slot = await run(
        "node",
        [
          "--input-type=module",
          "-e",
          `import { Connection } from "@solana/web3.js"
           const slot = await new Connection("http://127.0.0.1:${rpcPort}", "confirmed").getSlot()
           if (!Number.isInteger(slot)) throw new Error("no slot")
           console.log(slot)`
        ],
        { cwd: project }
      )
      step(`npx solana-localnet --programs ${programs}: slot ${slot.trim()} through @solana/web3.js`)
    })(),

    // 8. The README's Promise-client example, which imports no Effect, against the real service.
    (async () => {
      const example = readFileSync(join(readmeDir, "plain-client.ts"), "utf8")
      if (/from "effect/.test(example)) throw new Error("the Promise-client example imports effect")
      const baseUrl = `http://127.0.0.1:${servicePort}`
      await waitFor("the service", async () => (await fetch(`${baseUrl}/health`)).ok, service.output, 90_000)
      const printed = await run("node", ["readme/plain-client.ts"], {
        cwd: project,
        env: { ...cleanEnv, MINTING_URL: baseUrl, MINTING_SECRET: secret }
      })
      if (!printed.includes("completed")) throw new Error(`the example printed:\n${printed}`)
      const lines = example.trim().split("\n").length
      step(`readme/plain-client.ts (${lines} lines) against the service: ${printed.trim()}`)
    })()
  ])
}

main()
  .then(() => {
    step("passed")
  })
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    console.error(`consumer: FAILED after ${seconds()} s; the scratch project is in ${work}`)
    process.exitCode = 1
  })
  .finally(async () => {
    await stopAll()
    step("stopped what it started")
    if (!keep && process.exitCode !== 1) rmSync(work, { recursive: true, force: true })
  })
