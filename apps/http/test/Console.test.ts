/**
 * The console's access rules and pages, over the in-memory app (app.request, no server): no page
 * without a session, a session only from an admin JWT, CSRF on every action, HMAC clients and
 * Bearer tokens refused, sign-out ends the session even for a copied cookie, no secret on a page.
 */
import { execFileSync } from "node:child_process"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { jwt, jwtSecret, makeTestApp, secret } from "./TestApp.ts"

const exp = () => Math.floor(Date.now() / 1000) + 3600
const adminToken = (claims: Record<string, unknown> = {}) =>
  jwt({ sub: "alice", role: "admin", exp: exp(), ...claims })

const cookiesOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .filter((c) => !c.endsWith("="))
    .join("; ")

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()
const formHeaders = (cookie: string, extra: Record<string, string> = {}) => ({
  cookie,
  "content-type": "application/x-www-form-urlencoded",
  ...extra
})

const hidden = (text: string, name: string) =>
  new RegExp(`name="${name}" value="([^"]+)"`).exec(text)?.[1] ?? ""

/** Signs in through the form as a browser would; returns the session cookie and the page's CSRF token. */
const signIn = async (
  app: ReturnType<typeof makeTestApp>["app"],
  token = adminToken(),
  headers: Record<string, string> = {}
) => {
  const formPage = await app.request("/console/sign-in", { headers })
  const loginCookie = cookiesOf(formPage)
  const csrf = hidden(await formPage.text(), "csrf")
  const res = await app.request("/console/sign-in", {
    method: "POST",
    headers: formHeaders(loginCookie, headers),
    body: form({ csrf, token, next: "/console/mints" })
  })
  return { res, cookie: cookiesOf(res) }
}

describe("the operator console", () => {
  it("sends a visitor without a session to the sign-in form, for every page", async () => {
    const { app } = makeTestApp()
    for (const path of [
      "/console",
      "/console/mints",
      "/console/mints/t-1",
      "/console/reconciliation",
      "/console/trees"
    ]) {
      const res = await app.request(path)
      expect(res.status, path).toBe(303)
      expect(res.headers.get("location")).toBe(`/console/sign-in?next=${encodeURIComponent(path)}`)
    }
    const post = await app.request("/console/reconciliation/run", { method: "POST" })
    expect(post.status).toBe(401)
  })

  it("refuses an internal HMAC client and a Bearer header: only the session opens the console", async () => {
    const { app, signed } = makeTestApp()
    const hmac = await signed("GET", "/console")
    expect(hmac.status).toBe(303)
    const bearer = await app.request("/console", { headers: { authorization: `Bearer ${adminToken()}` } })
    expect(bearer.status).toBe(303)
    const run = await signed("POST", "/console/reconciliation/run")
    expect(run.status).toBe(401)
  })

  it("signs an admin in with a session cookie: HttpOnly, SameSite=Strict, Secure behind TLS", async () => {
    const { app } = makeTestApp()
    const { res, cookie } = await signIn(app)
    expect(res.status).toBe(303)
    expect(res.headers.get("location")).toBe("/console/mints")
    const set = res.headers.getSetCookie().find((c) => c.startsWith("tt_console_session="))!
    expect(set).toMatch(/HttpOnly/)
    expect(set).toMatch(/SameSite=Strict/)
    expect(set).not.toMatch(/Secure/)
    expect(set).toMatch(/Path=\/console/)
    const overview = await app.request("/console", { headers: { cookie } })
    expect(overview.status).toBe(200)
    const text = await overview.text()
    expect(text).toContain("Signed in as <strong>alice</strong>")
    expect(overview.headers.get("content-security-policy")).toContain("frame-ancestors 'none'")
    expect(overview.headers.get("cache-control")).toBe("no-store")
    // Neither the token nor any secret reaches the page.
    for (const s of [jwtSecret, secret, adminToken().split(".")[2]!]) expect(text).not.toContain(s)

    const tls = await signIn(app, adminToken(), { "x-forwarded-proto": "https" })
    expect(tls.res.headers.getSetCookie().find((c) => c.startsWith("tt_console_session="))).toMatch(/Secure/)
  })

  it("refuses a token without the admin role, a forged one, an expired one, and a form without its CSRF token", async () => {
    const { app } = makeTestApp()
    const notAdmin = await signIn(app, jwt({ sub: "bob", role: "viewer", exp: exp() }))
    expect(notAdmin.res.status).toBe(403)
    expect(notAdmin.cookie).not.toContain("tt_console_session")
    const forged = await signIn(app, jwt({ sub: "eve", role: "admin", exp: exp() }, "another-secret"))
    expect(forged.res.status).toBe(401)
    expect(await forged.res.text()).toContain("bad jwt signature")
    const expired = await signIn(app, adminToken({ exp: Math.floor(Date.now() / 1000) - 10 }))
    expect(expired.res.status).toBe(401)

    const formPage = await app.request("/console/sign-in")
    const noCsrf = await app.request("/console/sign-in", {
      method: "POST",
      headers: formHeaders(cookiesOf(formPage)),
      body: form({ token: adminToken() })
    })
    expect(noCsrf.status).toBe(403)
    expect(
      noCsrf.headers
        .getSetCookie()
        .some((c) => c.startsWith("tt_console_session=") && !c.startsWith("tt_console_session=;"))
    ).toBe(false)
  })

  it("refuses an action without the session's CSRF token, and takes it with the token", async () => {
    const { app } = makeTestApp()
    const { cookie } = await signIn(app)
    const page = await (await app.request("/console/reconciliation", { headers: { cookie } })).text()
    const csrf = hidden(page, "csrf")
    expect(csrf).not.toBe("")
    const without = await app.request("/console/reconciliation/run", {
      method: "POST",
      headers: formHeaders(cookie),
      body: ""
    })
    expect(without.status).toBe(403)
    const wrong = await app.request("/console/reconciliation/run", {
      method: "POST",
      headers: formHeaders(cookie),
      body: form({ csrf: `${csrf.slice(0, -2)}xx` })
    })
    expect(wrong.status).toBe(403)
    const ran = await app.request("/console/reconciliation/run", {
      method: "POST",
      headers: formHeaders(cookie),
      body: form({ csrf })
    })
    expect(ran.status).toBe(303)
    expect(ran.headers.get("location")).toMatch(/^\/console\/reconciliation\/[\w-]+\?done=reconciled$/)
    const report = await app.request(ran.headers.get("location")!, { headers: { cookie } })
    expect(report.status).toBe(200)
    expect(await report.text()).toContain("The reconciliation pass ran")
  })

  it("signs out: the cookie is cleared and a copy of it is refused afterwards", async () => {
    const { app } = makeTestApp()
    const { cookie } = await signIn(app)
    const csrf = hidden(await (await app.request("/console", { headers: { cookie } })).text(), "csrf")
    const out = await app.request("/console/sign-out", {
      method: "POST",
      headers: formHeaders(cookie),
      body: form({ csrf })
    })
    expect(out.status).toBe(303)
    expect(out.headers.get("location")).toBe("/console/sign-in?done=signed-out")
    expect(out.headers.getSetCookie().some((c) => /^tt_console_session=;.*Max-Age=0/.test(c))).toBe(true)
    const again = await app.request("/console", { headers: { cookie } })
    expect(again.status).toBe(303)
  })

  it("refuses a tampered session cookie", async () => {
    const { app } = makeTestApp()
    const { cookie } = await signIn(app)
    const [name, value] = cookie.split("=") as [string, string]
    const [payload, tag] = value.split(".") as [string, string]
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>
    const forged = Buffer.from(JSON.stringify({ ...claims, subject: "mallory" })).toString("base64url")
    const res = await app.request("/console", { headers: { cookie: `${name}=${forged}.${tag}` } })
    expect(res.status).toBe(303)
  })

  it("finds a ticket by its id, shows its page, and answers an unknown ticket with 404", async () => {
    const { app, signed } = makeTestApp()
    const accepted = await signed("POST", "/v1/mints", {
      ticketId: "console-t-1",
      orderId: "o-1",
      eventId: "evt-console",
      owner: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
      metadata: { eventName: "Console <script>" }
    })
    expect(accepted.status).toBe(202)
    const { cookie } = await signIn(app)
    const search = await app.request("/console/mints?ticket=console-t-1", { headers: { cookie } })
    expect(search.headers.get("location")).toBe("/console/mints/console-t-1")
    const mint = await (await app.request("/console/mints/console-t-1", { headers: { cookie } })).text()
    expect(mint).toContain('data-testid="timeline"')
    const list = await (
      await app.request("/console/mints?eventId=evt-console&status=pending", { headers: { cookie } })
    ).text()
    expect(list).toContain("/console/mints/console-t-1")
    const none = await app.request("/console/mints/nope", { headers: { cookie } })
    expect(none.status).toBe(404)
    const bad = await app.request("/console/mints?owner=not-a-key", { headers: { cookie } })
    expect(bad.status).toBe(400)
  })

  it("pages the mints table with the API's cursor, keeping the filters", async () => {
    const { app, signed } = makeTestApp()
    for (let i = 0; i < 52; i++) {
      const res = await signed("POST", "/v1/mints", {
        ticketId: `page-${String(i).padStart(2, "0")}`,
        orderId: "o",
        eventId: "evt-paged",
        owner: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
      })
      expect(res.status).toBe(202)
    }
    const { cookie } = await signIn(app)
    const first = await (
      await app.request("/console/mints?eventId=evt-paged", { headers: { cookie } })
    ).text()
    expect(first.match(/href="\/console\/mints\/page-/g)).toHaveLength(50)
    const next = /href="([^"]+)" rel="next"/.exec(first)![1]!.replaceAll("&amp;", "&")
    expect(next).toContain("eventId=evt-paged")
    const second = await (await app.request(next, { headers: { cookie } })).text()
    expect(second.match(/href="\/console\/mints\/page-/g)).toHaveLength(2)
    expect(second).not.toContain('rel="next"')
  })

  it("pages the reports with the API's cursor, and refuses a forged cursor", async () => {
    const { app, signed } = makeTestApp()
    for (let i = 0; i < 21; i++) expect((await signed("POST", "/v1/reconciliations")).status).toBe(201)
    const { cookie } = await signIn(app)
    const first = await (await app.request("/console/reconciliation", { headers: { cookie } })).text()
    expect(first.match(/href="\/console\/reconciliation\/[\w-]+"/g)).toHaveLength(20)
    const older = /href="([^"]+)">Older reports</.exec(first)![1]!.replaceAll("&amp;", "&")
    const second = await (await app.request(older, { headers: { cookie } })).text()
    expect(second.match(/href="\/console\/reconciliation\/[\w-]+"/g)).toHaveLength(1)
    const forged = await app.request("/console/reconciliation?reports=drop%20table", { headers: { cookie } })
    expect(forged.status).toBe(400)
  })

  it("answers the live refresh without a session with 401, so the page's script reloads into the sign-in", async () => {
    const { app } = makeTestApp()
    const res = await app.request("/console", { headers: { "x-console-live": "1" } })
    expect(res.status).toBe(401)
  })

  it("signs in with the token `pnpm console:token` prints", async () => {
    const { app } = makeTestApp()
    const token = execFileSync(
      process.execPath,
      [join(import.meta.dirname, "../scripts/console-token.ts"), "--sub", "carol"],
      {
        env: { ...process.env, JWT_SECRET: jwtSecret, JWT_AUDIENCE: "", JWT_ISSUER: "" },
        encoding: "utf8"
      }
    ).trim()
    const { res, cookie } = await signIn(app, token)
    expect(res.status).toBe(303)
    expect(await (await app.request("/console", { headers: { cookie } })).text()).toContain(
      "<strong>carol</strong>"
    )
  })

  it("refuses to retry a mint that is not failed, and says why", async () => {
    const { app, signed } = makeTestApp()
    const accepted = await signed("POST", "/v1/mints", {
      ticketId: "console-pending",
      orderId: "o",
      eventId: "e",
      owner: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
    })
    expect(accepted.status).toBe(202)
    const { cookie } = await signIn(app)
    const mintPage = await (
      await app.request("/console/mints/console-pending", { headers: { cookie } })
    ).text()
    expect(mintPage).not.toContain("retry-link")
    const csrf = hidden(mintPage, "csrf")
    const res = await app.request("/console/mints/console-pending/retry", {
      method: "POST",
      headers: formHeaders(cookie),
      body: form({ csrf })
    })
    expect(res.headers.get("location")).toBe("/console/mints/console-pending?error=retry_not_allowed")
    const shown = await (await app.request(res.headers.get("location")!, { headers: { cookie } })).text()
    expect(shown).toContain("Not retried: only a failed or missing mint can be retried.")
    const status = await signed("GET", "/v1/mints/console-pending")
    expect(((await status.json()) as { status: string }).status).toBe("pending")
  })

  it("never redirects after sign-in to another origin", async () => {
    const { app } = makeTestApp()
    const formPage = await app.request("/console/sign-in")
    const csrf = hidden(await formPage.text(), "csrf")
    for (const next of [
      "//evil.example/console",
      "https://evil.example",
      "/console//evil.example",
      "/consolex"
    ]) {
      const res = await app.request("/console/sign-in", {
        method: "POST",
        headers: formHeaders(cookiesOf(formPage)),
        body: form({ csrf, token: adminToken(), next })
      })
      expect(res.headers.get("location"), next).toBe("/console")
    }
  })
})
