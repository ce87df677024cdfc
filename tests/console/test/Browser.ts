/**
 * The browser the console tests drive: Debian's Chromium (`apt-get install chromium`; `.ci/run`
 * installs it), through playwright-core, which downloads nothing. CHROMIUM_PATH overrides where
 * it is. axe-core is injected through the DevTools protocol, which the pages' CSP does not
 * govern, so the pages are checked with their real CSP in force.
 */
import { existsSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { type Browser, chromium, type Page } from "playwright-core"

const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"]

export const chromiumPath = (): string => {
  const found = candidates.find((p): p is string => p !== undefined && p !== "" && existsSync(p))
  if (found === undefined) {
    throw new Error(
      "Chromium is needed for the console's browser tests and was not found (apt-get install -y chromium, or set CHROMIUM_PATH)"
    )
  }
  return found
}

export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath(),
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ["--no-sandbox", "--disable-dev-shm-usage"]
  })

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

export interface Violation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly targets: ReadonlyArray<string>
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules). */
export const seriousViolations = async (page: Page): Promise<ReadonlyArray<Violation>> => {
  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run: (
            ctx: unknown,
            opts: unknown
          ) => Promise<{
            violations: Array<{
              id: string
              impact: string | null
              help: string
              nodes: Array<{ target: Array<unknown> }>
            }>
          }>
        }
      }
    ).axe
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] }
    })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(" "))
    }))
  })
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical")
}
