// What the fault proxy does to which requests, and when: plain data, so a test builds rules in
// code, the CLI reads them from flags and the control API from JSON. Deciding whether a rule
// applies to a request is a pure function of the rule, its history and the time.

/** The ways an RPC endpoint misbehaves that a client must survive. */
export type FaultAction =
  /** HTTP 429 with a JSON-RPC error body and, when given, Retry-After (seconds). */
  | { readonly kind: "rateLimit"; readonly retryAfterSeconds?: number | undefined }
  /** Never answered and never forwarded: the client's own timeout ends it (or `maxMs`, then the socket is cut). */
  | { readonly kind: "hold"; readonly maxMs?: number | undefined }
  /** Forwarded and executed upstream, then the connection is cut before the answer: the send landed unheard. */
  | { readonly kind: "dropResponse" }
  /** getBlockHeight and getLatestBlockhash answered as a node `blocks` behind the cluster. */
  | { readonly kind: "lag"; readonly blocks: number }
  /** The proxy stops listening: connections are refused (and open ones cut) for the rule's window. */
  | { readonly kind: "down" }

export type FaultKind = FaultAction["kind"]

export interface FaultRule {
  /** JSON-RPC methods the rule applies to; absent or empty: all. (`down` ignores it.) */
  readonly methods?: ReadonlyArray<string> | undefined
  readonly action: FaultAction
  /** Applies to at most this many requests, then retires. */
  readonly count?: number | undefined
  /** Each matching request is faulted with this probability (default 1). */
  readonly probability?: number | undefined
  /** The window opens this long after the rule is added (default 0)... */
  readonly afterMs?: number | undefined
  /** ...and stays open this long (default: until removed). */
  readonly forMs?: number | undefined
}

/** A rule as installed: with its id, when it was added and how often it has fired. */
export interface InstalledRule extends FaultRule {
  readonly id: number
  readonly addedAt: number
  applied: number
}

/** Upper bounds, so no rule can make the proxy hold resources without end. */
export const LIMITS = {
  rules: 100,
  holdMs: 10 * 60_000,
  defaultHoldMs: 60_000,
  lagBlocks: 1_000_000
} as const

/** Why a rule is not acceptable, or undefined. */
export const ruleProblem = (rule: FaultRule): string | undefined => {
  const { action } = rule
  const kinds: ReadonlyArray<FaultKind> = ["rateLimit", "hold", "dropResponse", "lag", "down"]
  if (!kinds.includes(action.kind)) return `unknown fault ${String(action.kind)}`
  const nonNegative = (name: string, value: number | undefined) =>
    value === undefined || (Number.isFinite(value) && value >= 0) ? undefined : `${name} must be >= 0`
  const problems = [
    nonNegative("count", rule.count),
    nonNegative("afterMs", rule.afterMs),
    nonNegative("forMs", rule.forMs),
    rule.probability === undefined || (rule.probability >= 0 && rule.probability <= 1)
      ? undefined
      : "probability must be between 0 and 1",
    action.kind === "hold" &&
    action.maxMs !== undefined &&
    !(action.maxMs > 0 && action.maxMs <= LIMITS.holdMs)
      ? `hold maxMs must be in (0, ${LIMITS.holdMs}]`
      : undefined,
    action.kind === "lag" &&
    !(Number.isInteger(action.blocks) && action.blocks > 0 && action.blocks <= LIMITS.lagBlocks)
      ? `lag blocks must be an integer in [1, ${LIMITS.lagBlocks}]`
      : undefined,
    action.kind === "rateLimit" ? nonNegative("retryAfterSeconds", action.retryAfterSeconds) : undefined,
    action.kind === "down" && rule.forMs === undefined ? "down needs forMs (a bounded outage)" : undefined
  ]
  return problems.find((p) => p !== undefined)
}

/** Whether the rule's window is open at `now`. */
export const inWindow = (rule: InstalledRule, now: number): boolean => {
  const start = rule.addedAt + (rule.afterMs ?? 0)
  const end = rule.forMs === undefined ? Number.POSITIVE_INFINITY : start + rule.forMs
  return now >= start && now < end
}

/** A rule is spent once its count is used up or its window has closed for good. */
export const spent = (rule: InstalledRule, now: number): boolean =>
  (rule.count !== undefined && rule.applied >= rule.count) ||
  (rule.forMs !== undefined && now >= rule.addedAt + (rule.afterMs ?? 0) + rule.forMs)

export const matchesMethods = (rule: FaultRule, methods: ReadonlyArray<string>): boolean =>
  rule.methods === undefined ||
  rule.methods.length === 0 ||
  rule.methods.includes("*") ||
  methods.some((m) => rule.methods!.includes(m))

/** The first live rule (other than `down`) that fires for a request of these methods; it is counted. */
export const pick = (
  rules: ReadonlyArray<InstalledRule>,
  methods: ReadonlyArray<string>,
  now: number,
  random: () => number = Math.random
): InstalledRule | undefined => {
  for (const rule of rules) {
    if (rule.action.kind === "down" || spent(rule, now) || !inWindow(rule, now)) continue
    if (!matchesMethods(rule, methods)) continue
    if (rule.probability !== undefined && rule.probability < 1 && random() >= rule.probability) continue
    rule.applied++
    return rule
  }
  return undefined
}

const durationMs = (text: string): number => {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim())
  if (match === null) throw new Error(`"${text}" is not a duration (e.g. 500ms, 30s, 2m)`)
  const value = Number(match[1])
  return Math.round(match[2] === "m" ? value * 60_000 : match[2] === "s" ? value * 1000 : value)
}

/**
 * A rule from the CLI's compact form: `<methods>=<fault>[,count=N][,p=0.2][,after=5s][,for=30s]`,
 * methods comma-free and `+`-joined (`*` for all). Faults: `429[:retryAfterSeconds]`,
 * `hold[:maxDuration]`, `drop`, `lag:<blocks>`, `down`. E.g. `sendTransaction=drop,p=0.1`,
 * `*=429,for=30s`, `getBlockHeight+getLatestBlockhash=lag:300`, `*=down,after=10s,for=5s`.
 */
export const parseRule = (spec: string): FaultRule => {
  const eq = spec.indexOf("=")
  if (eq <= 0) throw new Error(`fault "${spec}": expected <methods>=<fault>[,option=value...]`)
  const methodsText = spec.slice(0, eq).trim()
  const [faultText = "", ...options] = spec.slice(eq + 1).split(",")
  const [name = "", arg] = faultText.trim().split(":")
  const action: FaultAction =
    name === "429" || name === "rateLimit"
      ? { kind: "rateLimit", retryAfterSeconds: arg === undefined ? undefined : Number(arg) }
      : name === "hold" || name === "timeout"
        ? { kind: "hold", maxMs: arg === undefined ? undefined : durationMs(arg) }
        : name === "drop" || name === "dropResponse"
          ? { kind: "dropResponse" }
          : name === "lag"
            ? { kind: "lag", blocks: Number(arg) }
            : name === "down"
              ? { kind: "down" }
              : (() => {
                  throw new Error(`fault "${spec}": unknown fault "${name}" (429, hold, drop, lag:<n>, down)`)
                })()
  let rule: FaultRule = {
    action,
    ...(methodsText === "*" ? {} : { methods: methodsText.split("+").map((m) => m.trim()) })
  }
  for (const option of options) {
    const [key = "", value = ""] = option.split("=").map((s) => s.trim())
    if (key === "count") rule = { ...rule, count: Number(value) }
    else if (key === "p" || key === "probability") rule = { ...rule, probability: Number(value) }
    else if (key === "after") rule = { ...rule, afterMs: durationMs(value) }
    else if (key === "for") rule = { ...rule, forMs: durationMs(value) }
    else throw new Error(`fault "${spec}": unknown option "${key}" (count, p, after, for)`)
  }
  const problem = ruleProblem(rule)
  if (problem !== undefined) throw new Error(`fault "${spec}": ${problem}`)
  return rule
}
