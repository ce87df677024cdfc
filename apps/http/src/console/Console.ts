/**
 * /console: the operator console, server-rendered by this app. Every page reads through the
 * API's own route implementations (the same views, the same checks) or, where the API has no
 * read of its own (counts, attempts, trees, completions), through the ports the routes use.
 * Nothing here is reachable without a session (see Session.ts); its two static files carry no
 * data. Actions are POST forms with a CSRF token, answered with a redirect (Post/Redirect/Get).
 */
import {
  ChainGateway,
  CollectionRepository,
  CompletionStats,
  FindingRepository,
  MintRepository,
  TreeRegistry
} from "@tickettoken/minting-core"
import { Api, type FindingView, type MintView, type ReportView } from "@tickettoken/minting-core/client"
import { DateTime, Duration, Effect, Exit, Option } from "effect"
import { type Context, Hono } from "hono"
import { deleteCookie, getCookie, setCookie } from "hono/cookie"
import type { AppRuntime, AppServices } from "../AppServices.ts"
import { type AuthConfig, jwtAdmin } from "../Auth.ts"
import { decodeParams } from "../Body.ts"
import { fromCause, type RouteError } from "../HttpErrors.ts"
import type { Implementations, Input } from "../Routes.ts"
import type { HealthInfo } from "../routes/health.ts"
import * as Assets from "./Assets.ts"
import { clusterOf } from "./Explorer.ts"
import { h, type Layout, type Markup, page } from "./Html.ts"
import { type MintFilters, mintBody, mintsBody, retryBody } from "./MintPages.ts"
import { type ChainState, type Overview, overviewBody, type WorkerState } from "./OverviewPage.ts"
import { type FindingFilters, reconciliationBody, reportBody } from "./ReconciliationPages.ts"
import * as Session from "./Session.ts"
import { signInBody } from "./SignInPage.ts"
import { treesBody } from "./TreesPage.ts"

export interface ConsoleOptions {
  readonly runtime: AppRuntime
  readonly auth: AuthConfig
  readonly implementations: Implementations
  readonly health: HealthInfo
}

type Env = { Variables: { session: Session.Session; requestId: string } }

/** Messages after an action, by fixed code: a link cannot make the console say anything else. */
const notices: Readonly<Record<string, string>> = {
  retried: "The mint is queued again; this page follows it.",
  resolved: "The finding is resolved. A later pass opens it again if the chain still disagrees.",
  reconciled: "The reconciliation pass ran; its report is below.",
  "signed-out": "Signed out.",
  retry_not_allowed: "Not retried: only a failed or missing mint can be retried.",
  ticket_minted_on_chain: "Not retried: the ticket is on chain after all, and a retry would mint it twice.",
  collection_full: "Not retried: the collection is full.",
  mint_not_found: "No mint for that ticket.",
  not_found: "No open finding of that id.",
  reconciliation_running: "A reconciliation pass is running already; try again when it ends.",
  database_unavailable: "The database is unavailable; try again.",
  chain_unavailable: "The chain is unavailable; try again."
}

const noticeOf = (c: Context): Layout["notice"] => {
  const done = c.req.query("done")
  if (done !== undefined && notices[done] !== undefined) return { kind: "ok", text: notices[done] }
  const error = c.req.query("error")
  if (error !== undefined)
    return { kind: "error", text: notices[error] ?? `The action failed (${error.replace(/[^a-z_]/g, "")}).` }
  return undefined
}

const timeout = Duration.seconds(3)

/** Only a path inside the console, never another origin (`//host`, `/\host`). */
const safeNext = (next: unknown) =>
  typeof next === "string" && /^\/console(\/[\w\-./?=&%]*)?$/.test(next) && !next.includes("//")
    ? next
    : "/console"

const behindTls = (c: Context) =>
  new URL(c.req.url).protocol === "https:" ||
  c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https"

export const consoleApp = (options: ConsoleOptions) => {
  const { runtime, implementations } = options
  const key = options.auth.jwtSecret === null ? null : Session.keyFrom(options.auth.jwtSecret)
  const revocations = new Session.Revocations()
  const mintCostLamports = options.health.chainChecks?.mintCostLamports ?? 5_000
  const app = new Hono<Env>()

  app.use(async (c, next) => {
    await next()
    c.header(
      "content-security-policy",
      "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    c.header("cache-control", "no-store")
    c.header("referrer-policy", "same-origin")
    c.header("x-content-type-options", "nosniff")
  })

  app.get("/assets/console.css", (c) =>
    c.body(Assets.css, 200, { "content-type": "text/css; charset=utf-8" })
  )
  app.get("/assets/console.js", (c) =>
    c.body(Assets.js, 200, { "content-type": "text/javascript; charset=utf-8" })
  )

  const cookieOptions = (c: Context, maxAgeSeconds: number) =>
    ({
      httpOnly: true,
      secure: behindTls(c),
      sameSite: "Strict",
      path: "/console",
      maxAge: Math.max(0, Math.floor(maxAgeSeconds))
    }) as const

  const html = (c: Context, markup: Markup, status = 200) =>
    c.html(markup as unknown as string, status as 200)

  const signInForm = (c: Context, status: number, notice?: Layout["notice"]) => {
    if (key === null)
      return html(c, page({ title: "Sign in", section: "sign-in" }, signInBody(null, "/console")), 503)
    const nonce = Session.newId()
    setCookie(c, Session.loginCookie, nonce, cookieOptions(c, 600))
    return html(
      c,
      page(
        { title: "Sign in", section: "sign-in", notice },
        signInBody(Session.loginToken(key, nonce), safeNext(c.req.query("next")))
      ),
      status
    )
  }

  app.get("/sign-in", (c) => signInForm(c, 200, noticeOf(c)))

  app.post("/sign-in", async (c) => {
    if (key === null) return signInForm(c, 503)
    const form = await c.req.parseBody()
    if (!Session.loginValid(key, getCookie(c, Session.loginCookie), form.csrf)) {
      return signInForm(c, 403, {
        kind: "error",
        text: "The sign-in form expired or was not this console's: try again."
      })
    }
    const token = typeof form.token === "string" ? form.token.trim() : ""
    const exit = await runtime.runPromiseExit(jwtAdmin(options.auth, `Bearer ${token}`))
    if (Exit.isFailure(exit)) {
      const error = fromCause(exit.cause)
      const reason = (error.body.error.details as { reason?: string } | undefined)?.reason
      const text =
        error.status === 403
          ? "Refused: the token has no admin role."
          : `Refused: ${(reason ?? "invalid token").replaceAll("_", " ")}.`
      return signInForm(c, error.status, { kind: "error", text })
    }
    if (exit.value.kind !== "operator") return signInForm(c, 401, { kind: "error", text: "Refused." })
    const now = Date.now()
    const expiresAt = Math.min(Session.tokenExpiry(token) ?? now, now + Session.maxSessionMs)
    const session: Session.Session = { sid: Session.newId(), subject: exit.value.subject, expiresAt }
    deleteCookie(c, Session.loginCookie, { path: "/console" })
    setCookie(
      c,
      Session.sessionCookie,
      Session.seal(key, session),
      cookieOptions(c, (expiresAt - now) / 1000)
    )
    return c.redirect(safeNext(form.next), 303)
  })

  // Everything below needs a session; HMAC headers or a Bearer token alone open nothing here.
  app.use(async (c, next) => {
    const now = Date.now()
    const session = key === null ? null : Session.open(key, getCookie(c, Session.sessionCookie), now)
    if (session === null || revocations.isRevoked(session, now)) {
      if (c.req.header("x-console-live") !== undefined || c.req.method !== "GET") {
        return html(
          c,
          page(
            { title: "Sign in needed", section: "sign-in" },
            h`<p><a href="/console/sign-in">Sign in</a> first.</p>`
          ),
          401
        )
      }
      const target = new URL(c.req.url)
      return c.redirect(`/console/sign-in?next=${encodeURIComponent(target.pathname + target.search)}`, 303)
    }
    if (c.req.method === "POST") {
      const form = await c.req.parseBody()
      if (!Session.csrfValid(key!, session, form.csrf)) {
        return html(
          c,
          page(
            { title: "Refused", section: "sign-in" },
            h`<p>The form was not this session's (CSRF check). <a href="/console">Back to the console</a>.</p>`
          ),
          403
        )
      }
    }
    c.set("session", session)
    await next()
  })

  const csrfOf = (c: Context<Env>) => Session.csrfToken(key!, c.get("session"))

  /** An implementation of the API, called as its route would call it (already-decoded inputs). */
  const call = <K extends Api.EndpointName>(
    c: Context<Env>,
    name: K,
    input: { readonly params?: unknown; readonly query?: unknown; readonly body?: unknown }
  ) => {
    const implementation = implementations[name] as (
      input: Input<Api.Endpoints[K]>
    ) => Effect.Effect<{ readonly status: number; readonly json?: unknown }, RouteError, AppServices>
    return implementation({
      params: input.params,
      query: input.query,
      body: input.body,
      request: {
        method: "GET",
        path: Api.endpoints[name].path,
        body: new Uint8Array(),
        header: () => undefined
      },
      c
    } as Input<Api.Endpoints[K]>)
  }

  const render = async (
    c: Context<Env>,
    layout: Omit<Layout, "signedIn" | "notice">,
    body: Effect.Effect<Markup, RouteError, AppServices>
  ) => {
    const signedIn = { subject: c.get("session").subject, csrf: csrfOf(c) }
    const exit = await runtime.runPromiseExit(body, { signal: c.req.raw.signal })
    if (Exit.isSuccess(exit)) return html(c, page({ ...layout, signedIn, notice: noticeOf(c) }, exit.value))
    const error = fromCause(exit.cause)
    if (error.status >= 500 && error.body.error.code === "internal_error") {
      await runtime.runPromise(Effect.logError("console page failed", { path: c.req.path }))
    }
    return html(
      c,
      page(
        { ...layout, live: false, signedIn, notice: { kind: "error", text: error.body.error.message } },
        h`<p><code>${error.body.error.code}</code></p>`
      ),
      error.status
    )
  }

  /** After an action: back to a page, with a fixed notice code. */
  const act = async (
    c: Context<Env>,
    action: Effect.Effect<string, RouteError, AppServices>,
    onError: (code: string) => string
  ) => {
    const exit = await runtime.runPromiseExit(action, { signal: c.req.raw.signal })
    if (Exit.isSuccess(exit)) return c.redirect(exit.value, 303)
    const error = fromCause(exit.cause)
    return c.redirect(onError(error.body.error.code), 303)
  }

  app.post("/sign-out", (c) => {
    revocations.revoke(c.get("session"))
    deleteCookie(c, Session.sessionCookie, { path: "/console", secure: behindTls(c) })
    return c.redirect("/console/sign-in?done=signed-out", 303)
  })

  const chainInfo = Effect.flatMap(ChainGateway, (chain) =>
    chain.info.pipe(Effect.timeout(timeout), Effect.option)
  )

  app.get("/", (c) =>
    render(
      c,
      { title: "Overview", section: "overview", live: true },
      Effect.gen(function* () {
        const mints = yield* MintRepository
        const trees = yield* TreeRegistry
        const findings = yield* FindingRepository
        const now = DateTime.toEpochMillis(yield* DateTime.now)
        const [counts, completions, treeList, openFindings, reports, health, chain, info] = yield* Effect.all(
          [
            mints.countByStatus(),
            mints.completedSince(DateTime.makeUnsafe(now - 60 * 60_000), 100_000),
            trees.list,
            findings.openCounts,
            call(c, "listReports", { query: { limit: 1 } }),
            call(c, "health", {}),
            call(c, "healthChain", {}),
            chainInfo
          ],
          { concurrency: 4 }
        )
        const healthJson = health.json as { worker?: WorkerState }
        const chainJson = chain.json as Partial<ChainState> & { status: ChainState["status"] }
        const overview: Overview = {
          counts,
          stats: CompletionStats.summarize(completions, now),
          worker: healthJson.worker ?? { status: "off" },
          chain: {
            status: chainJson.status,
            problems: chainJson.problems ?? [],
            kind: chainJson.kind ?? options.health.chain,
            rpcHost: chainJson.rpcHost ?? null,
            genesisHash: chainJson.genesisHash ?? null,
            slot: chainJson.slot ?? null
          },
          feePayer: Option.match(info, {
            onNone: () => null,
            onSome: (i) => ({ address: i.feePayer, lamports: i.feePayerLamports, mintCostLamports })
          }),
          trees: treeList,
          openFindings,
          lastReport: (reports.json as { items: ReadonlyArray<ReportView> }).items[0] ?? null
        }
        return overviewBody(overview)
      })
    )
  )

  app.get("/mints", async (c) => {
    const raw = c.req.query()
    const ticket = raw.ticket?.trim()
    // The ticket search is the API's lookup by ticket id: an exact id opens its page.
    if (ticket) return c.redirect(`/console/mints/${encodeURIComponent(ticket)}`, 303)
    const filters: MintFilters = { status: raw.status, eventId: raw.eventId, owner: raw.owner }
    const query = Object.fromEntries(
      Object.entries({ ...filters, cursor: raw.cursor }).filter(([, v]) => v !== undefined && v.trim() !== "")
    )
    return render(
      c,
      { title: "Mints", section: "mints" },
      Effect.gen(function* () {
        const decoded = yield* decodeParams(Api.endpoints.listMints.query, query)
        const reply = yield* call(c, "listMints", { query: { ...decoded, limit: 50 } })
        const list = reply.json as { items: ReadonlyArray<MintView>; nextCursor: string | null }
        return mintsBody(filters, list.items, list.nextCursor, raw.cursor !== undefined)
      })
    )
  })

  const mintOf = (c: Context<Env>) =>
    Effect.gen(function* () {
      const params = yield* decodeParams(
        Api.endpoints.getMint.params,
        { ticketId: c.req.param("ticketId") },
        "path"
      )
      const reply = yield* call(c, "getMint", { params })
      return reply.json as MintView
    })

  app.get("/mints/:ticketId", (c) =>
    render(
      c,
      { title: `Ticket ${c.req.param("ticketId")}`, section: "mints", live: true },
      Effect.gen(function* () {
        const mint = yield* mintOf(c)
        const mints = yield* MintRepository
        const [attempts, info] = yield* Effect.all([mints.attempts(mint.id), chainInfo], { concurrency: 2 })
        return mintBody(mint, attempts, clusterOf(Option.getOrNull(info)?.genesisHash))
      })
    )
  )

  app.get("/mints/:ticketId/retry", (c) =>
    render(
      c,
      { title: `Retry ticket ${c.req.param("ticketId")}?`, section: "mints" },
      Effect.map(mintOf(c), (mint) => retryBody(mint, csrfOf(c)))
    )
  )

  app.post("/mints/:ticketId/retry", (c) => {
    const ticketId = c.req.param("ticketId")
    const back = `/console/mints/${encodeURIComponent(ticketId)}`
    return act(
      c,
      Effect.gen(function* () {
        const params = yield* decodeParams(Api.endpoints.retryMint.params, { ticketId }, "path")
        yield* call(c, "retryMint", { params })
        return `${back}?done=retried`
      }),
      (code) => `${back}?error=${code}`
    )
  })

  app.get("/reconciliation", (c) => {
    const raw = c.req.query()
    const state = raw.state ?? "open"
    const filters: FindingFilters = {
      state: state === "open" || state === "resolved" ? state : undefined,
      reason:
        raw.reason === undefined || raw.reason === "" ? undefined : (raw.reason as FindingFilters["reason"])
    }
    const present = (record: Record<string, string | undefined>) =>
      Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined && v !== ""))
    return render(
      c,
      { title: "Reconciliation", section: "reconciliation" },
      Effect.gen(function* () {
        // The lists' own query schemas judge the filters and cursors, as the API would.
        const findingsQuery = yield* decodeParams(
          Api.endpoints.listFindings.query,
          present({ state: filters.state, reason: filters.reason, cursor: raw.cursor })
        )
        const reportsQuery = yield* decodeParams(
          Api.endpoints.listReports.query,
          present({ cursor: raw.reports })
        )
        const [findings, reports] = yield* Effect.all(
          [
            call(c, "listFindings", { query: { ...findingsQuery, limit: 100 } }),
            call(c, "listReports", { query: { ...reportsQuery, limit: 20 } })
          ],
          { concurrency: 2 }
        )
        const findingList = findings.json as { items: ReadonlyArray<FindingView>; nextCursor: string | null }
        const reportList = reports.json as { items: ReadonlyArray<ReportView>; nextCursor: string | null }
        return reconciliationBody(
          filters,
          findingList.items,
          findingList.nextCursor,
          reportList.items,
          reportList.nextCursor,
          csrfOf(c)
        )
      })
    )
  })

  app.get("/reconciliation/:id", (c) =>
    render(
      c,
      { title: "Reconciliation report", section: "reconciliation" },
      Effect.gen(function* () {
        const params = yield* decodeParams(Api.endpoints.getReport.params, { id: c.req.param("id") }, "path")
        const reply = yield* call(c, "getReport", { params })
        return reportBody(reply.json as ReportView)
      })
    )
  )

  app.post("/reconciliation/run", (c) =>
    act(
      c,
      Effect.map(
        call(c, "runReconciliation", {}),
        (reply) =>
          `/console/reconciliation/${encodeURIComponent((reply.json as ReportView).id)}?done=reconciled`
      ),
      (code) => `/console/reconciliation?error=${code}`
    )
  )

  app.post("/findings/:id/resolve", (c) =>
    act(
      c,
      Effect.gen(function* () {
        const params = yield* decodeParams(
          Api.endpoints.resolveFinding.params,
          { id: c.req.param("id") },
          "path"
        )
        const body = yield* decodeParams(Api.endpoints.resolveFinding.body, {
          by: c.get("session").subject.slice(0, 200) || "console"
        })
        yield* call(c, "resolveFinding", { params, body })
        return "/console/reconciliation?done=resolved"
      }),
      (code) => `/console/reconciliation?error=${code}`
    )
  )

  app.get("/trees", (c) =>
    render(
      c,
      { title: "Trees and collections", section: "trees" },
      Effect.gen(function* () {
        const trees = yield* TreeRegistry
        const collections = yield* CollectionRepository
        const [treeList, collectionList] = yield* Effect.all([trees.list, collections.list()], {
          concurrency: 2
        })
        return treesBody(treeList, collectionList, mintCostLamports)
      })
    )
  )

  app.notFound((c) =>
    html(
      c,
      page(
        { title: "Not found", section: "overview" },
        h`<p>No such console page. <a href="/console">Overview</a>.</p>`
      ),
      404
    )
  )
  return app
}
