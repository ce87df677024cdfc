// The layer rules of DESIGN.md, checked on every import in the workspace's source and tests:
// core imports only effect (and its own files); an adapter never imports another adapter;
// no package imports an app, nor the service kit (apps only); no relative import leaves its own
// package (tests/* included).
import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const adapters = [
  "@tickettoken/minting-postgres",
  "@tickettoken/minting-solana",
  "@tickettoken/minting-rabbitmq"
]
const apps = ["@tickettoken/minting-http", "@tickettoken/minting-reconciler"]
// The composition kit wires adapters together: only apps (and tests) may import it, never core
// or an adapter, which it depends on.
const serviceKit = "@tickettoken/minting-service-kit"
const importPattern =
  /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name.startsWith(".") || name === "coverage" || name === "dist") return []
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(ts|tsx|mts|js|mjs)$/.test(name) ? [path] : []
  })

const violations: string[] = []
for (const group of ["packages", "apps", "tests"]) {
  for (const pkg of readdirSync(join(root, group))) {
    const pkgDir = join(root, group, pkg)
    const pkgName: string = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).name
    for (const file of sourceFiles(pkgDir)) {
      const text = readFileSync(file, "utf8")
      for (const match of text.matchAll(importPattern)) {
        const spec = match[1] ?? match[2] ?? match[3]!
        const where = `${relative(root, file)}: imports "${spec}"`
        if (spec.startsWith(".")) {
          if (relative(pkgDir, resolve(dirname(file), spec)).startsWith("..")) {
            violations.push(`${where}, which leaves ${pkgName}`)
          }
          continue
        }
        if (pkgName === "@tickettoken/minting-core" && !(spec === "effect" || spec.startsWith("effect/"))) {
          // Tests may use the test runner, and so may the contract suites, which are tests that
          // every adapter's test file runs; the library itself only effect.
          const isTest = /\.test\.ts$|\/test\/|\/src\/testing\/contracts\/|vitest\.config\.ts$/.test(file)
          if (
            !(
              isTest &&
              (spec.startsWith("@effect/vitest") || spec === "vitest" || spec.startsWith("vitest/"))
            )
          ) {
            violations.push(`${where}; core imports only effect`)
          }
        }
        const target = spec.split("/").slice(0, 2).join("/")
        if (adapters.includes(pkgName) && adapters.includes(target) && target !== pkgName) {
          violations.push(`${where}; an adapter never imports another adapter`)
        }
        if (target === serviceKit && group === "packages" && pkgName !== serviceKit) {
          violations.push(`${where}; only apps compose with the service kit`)
        }
        if (group === "packages" && apps.includes(target)) {
          violations.push(`${where}; a package never imports an app`)
        }
      }
    }
  }
}

if (violations.length > 0) {
  console.error(
    `boundaries: ${violations.length} violation(s)\n${violations.map((v) => `  ${v}`).join("\n")}`
  )
  process.exit(1)
}
console.log("boundaries: ok")
