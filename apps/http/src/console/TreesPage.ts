/** Trees and collections: capacity, what they cost, their state; supply against maximum. */
import { type Collection, fill, type Tree } from "@tickettoken/minting-core"
import { DateTime } from "effect"
import { badge, h, type Markup, num, short, when } from "./Html.ts"
import { sol } from "./OverviewPage.ts"

export const treesBody = (
  trees: ReadonlyArray<Tree>,
  collections: ReadonlyArray<Collection>,
  mintCostLamports: number
): Markup => h`<h2>Trees</h2>
${
  trees.length === 0
    ? h`<p>No tree yet: the service creates one at start.</p>`
    : h`<table data-testid="trees">
<thead><tr><th scope="col">Address</th><th scope="col">Status</th><th scope="col">Depth / buffer / canopy</th><th scope="col" class="n">Capacity</th><th scope="col" class="n">Minted</th><th scope="col">Fill</th><th scope="col" class="n">Fees paid (est.)</th><th scope="col">Created</th></tr></thead>
<tbody>${trees.map(
        (t) => h`<tr>
<td>${short(t.address)}</td><td>${badge(t.status)}</td><td>${t.maxDepth} / ${t.maxBufferSize} / ${t.canopyDepth}</td>
<td class="n">${num(t.capacity)}</td><td class="n">${num(t.minted)}</td>
<td><meter min="0" max="1" high="0.9" value="${fill(t).toFixed(4)}" aria-label="Fill of tree ${t.address}">${(fill(t) * 100).toFixed(1)}%</meter> ${(fill(t) * 100).toFixed(1)}%</td>
<td class="n">${sol(t.minted * mintCostLamports)}</td>
<td>${when(DateTime.formatIso(t.createdAt))}</td>
</tr>`
      )}</tbody></table>
<p class="muted">Fees are estimated as minted × MINT_COST_LAMPORTS (${num(mintCostLamports)} lamports per mint). A new tree takes over at 95% fill.</p>`
}
<h2>Collections</h2>
${
  collections.length === 0
    ? h`<p data-testid="collections-empty">No collection: mints go to no collection.</p>`
    : h`<table data-testid="collections">
<thead><tr><th scope="col">Collection</th><th scope="col">Symbol</th><th scope="col">Collection NFT</th><th scope="col" class="n">Supply</th><th scope="col">Of maximum</th></tr></thead>
<tbody>${collections.map(
        (c) => h`<tr>
<td>${c.name} <span class="muted">(${c.id})</span></td><td>${c.symbol}</td><td>${short(c.collectionMint)}</td>
<td class="n">${num(c.currentSupply)}</td>
<td>${c.maxSupply === null ? "unlimited" : h`<meter min="0" max="${c.maxSupply}" value="${c.currentSupply}" aria-label="Supply of ${c.name}">${c.currentSupply}</meter> ${num(c.currentSupply)} / ${num(c.maxSupply)}`}</td>
</tr>`
      )}</tbody></table>`
}`
