// `pnpm build` of one library package (run in its folder): tsc emits ES modules, declarations and
// declaration maps into dist/ from tsconfig.build.json. The sources import with `.ts` extensions;
// tsc rewrites them to `.js` in the JavaScript but leaves them in the declarations
// (microsoft/TypeScript#61037), so they are rewritten here: consumers and their editors then read
// ordinary declarations.
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"

const dist = join(process.cwd(), "dist")
rmSync(dist, { recursive: true, force: true })
const tsc = createRequire(join(process.cwd(), "package.json")).resolve("typescript/bin/tsc")
execFileSync(process.execPath, [tsc, "-b", "tsconfig.build.json"], { stdio: "inherit" })

const relativeTs = /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+?)\.ts(["'])/g
const declarations = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return declarations(path)
    return name.endsWith(".d.ts") ? [path] : []
  })
for (const file of declarations(dist)) {
  const text = readFileSync(file, "utf8")
  const rewritten = text.replace(relativeTs, "$1$2.js$3")
  if (rewritten !== text) writeFileSync(file, rewritten)
}
