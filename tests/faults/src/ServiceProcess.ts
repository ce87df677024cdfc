/**
 * A process of the service as a real child process: the HTTP app with its worker
 * (apps/http/src/main.ts) or the reconciler daemon (apps/reconciler/src/main.ts). Started,
 * signalled, killed and started again on the same environment, its JSON log lines kept (across
 * runs) and its peak resident memory read from /proc while it lives.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"

export const repoRoot = join(import.meta.dirname, "..", "..", "..")
export const serviceMain = join(repoRoot, "apps", "http", "src", "main.ts")
export const reconcilerMain = join(repoRoot, "apps", "reconciler", "src", "main.ts")

/** What to run and when it counts as up. */
export interface ProcessKind {
  readonly entry: string
  readonly args?: ReadonlyArray<string>
  readonly ready: (line: LogLine) => boolean
}

export const httpService: ProcessKind = {
  entry: serviceMain,
  ready: (l) => l.text.startsWith("listening on")
}
export const reconcilerDaemon: ProcessKind = {
  entry: reconcilerMain,
  ready: (l) => l.text.startsWith("reconciler daemon started")
}

export interface LogLine {
  readonly level: string
  readonly text: string
  readonly raw: Record<string, unknown>
  /** Which run of the process wrote it (1 for the first start). */
  readonly run: number
}

export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A JSON log line, whichever of the service's two loggers wrote it. */
const parse = (line: string, run: number): LogLine | undefined => {
  try {
    const raw = JSON.parse(line) as Record<string, unknown>
    const message = raw.message
    const text = Array.isArray(message) ? String(message[0]) : String(message)
    const fields = Array.isArray(message) && typeof message[1] === "object" ? (message[1] as object) : {}
    return { level: String(raw.level ?? ""), text, raw: { ...raw, ...fields }, run }
  } catch {
    return undefined
  }
}

/** VmHWM (peak resident set) of a live process, in MB; undefined once it is gone. */
const peakRssMb = (pid: number): number | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const match = /VmHWM:\s+(\d+) kB/.exec(status)
    return match === null ? undefined : Number(match[1]) / 1024
  } catch {
    return undefined
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export class ServiceProcess {
  readonly name: string
  readonly port: number
  readonly kind: ProcessKind
  private readonly env: Record<string, string>
  private child: ChildProcess | undefined
  private exit: Promise<Exit> | undefined
  private sampler: NodeJS.Timeout | undefined
  private readonly output: Array<LogLine> = []
  private readonly text: Array<string> = []
  private runs = 0
  /** The highest peak RSS seen across every run, in MB. */
  peakRssMb = 0
  readonly exits: Array<Exit> = []

  constructor(name: string, port: number, env: Record<string, string>, kind: ProcessKind = httpService) {
    this.name = name
    this.port = port
    this.env = env
    this.kind = kind
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  /** Every log line so far, every run. */
  logs(): ReadonlyArray<LogLine> {
    return this.output
  }

  /** The raw output, for a failure message. */
  tail(lines = 40): string {
    return this.text.join("").split("\n").slice(-lines).join("\n")
  }

  /** Starts a run (with `extra` on top of the environment) and waits until it is up. */
  async start(extra: Record<string, string> = {}, timeoutMs = 90_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`)
    const run = ++this.runs
    const child = spawn(process.execPath, [this.kind.entry, ...(this.kind.args ?? [])], {
      cwd: repoRoot,
      env: { ...this.env, ...extra, PORT: String(this.port) },
      stdio: ["ignore", "pipe", "pipe"]
    })
    this.child = child
    this.exit = new Promise<Exit>((resolve) =>
      child.once("exit", (code, signal) => {
        const exit = { code, signal }
        this.exits.push(exit)
        resolve(exit)
      })
    )
    let partial = ""
    const onData = (chunk: Buffer) => {
      const text = chunk.toString()
      this.text.push(text)
      partial += text
      const lines = partial.split("\n")
      partial = lines.pop() ?? ""
      for (const line of lines) {
        const parsed = parse(line, run)
        if (parsed !== undefined) this.output.push(parsed)
      }
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", (chunk: Buffer) => this.text.push(chunk.toString()))
    const pid = child.pid!
    this.sampler = setInterval(() => {
      const peak = peakRssMb(pid)
      if (peak !== undefined) this.peakRssMb = Math.max(this.peakRssMb, peak)
    }, 250)
    this.sampler.unref()
    void this.exit.then(() => clearInterval(this.sampler))
    const deadline = Date.now() + timeoutMs
    while (!this.output.some((l) => l.run === run && this.kind.ready(l))) {
      if (!this.running) throw new Error(`${this.name} exited during start-up:\n${this.tail()}`)
      if (Date.now() > deadline)
        throw new Error(`${this.name} did not start in ${timeoutMs} ms:\n${this.tail()}`)
      await sleep(50)
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.child?.pid !== undefined && this.running) process.kill(this.child.pid, signal)
  }

  /** Waits for the current run to end (by itself or by a signal sent elsewhere). */
  async exited(timeoutMs = 60_000): Promise<Exit> {
    if (this.exit === undefined) throw new Error(`${this.name} was never started`)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} did not exit in ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      return await Promise.race([this.exit, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** SIGKILL, and wait for it. */
  async kill(): Promise<Exit> {
    this.signal("SIGCONT")
    this.signal("SIGKILL")
    return this.exited()
  }

  /** SIGTERM (a graceful stop), SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 20_000): Promise<Exit | undefined> {
    if (!this.running) return this.exits.at(-1)
    this.signal("SIGCONT")
    this.signal("SIGTERM")
    try {
      return await this.exited(graceMs)
    } catch {
      return this.kill()
    }
  }

  /** Waits for a log line of the current or a later run. */
  async waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.output.find(predicate)
      if (found !== undefined) return found
      if (Date.now() > deadline)
        throw new Error(`${this.name}: no such log line in ${timeoutMs} ms:\n${this.tail()}`)
      await sleep(50)
    }
  }
}

/** Whether the process is stopped (SIGSTOP): state `T` in /proc. */
export const isStopped = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("T")
  } catch {
    return false
  }
}
