/** The sign-in form: the operator pastes the admin JWT the operator routes already accept. */
import { h, type Markup, nothing } from "./Html.ts"

export const signInBody = (token: string | null, next: string): Markup =>
  token === null
    ? h`<p>The console is off: <code>JWT_SECRET</code> is not set, so no operator can be checked. Set it (see the README) and restart.</p>`
    : h`<p>Sign in with your platform admin token: the HS256 JWT with the <code>admin</code> role that the operator routes of the API accept as a Bearer token. It is checked once; the console then keeps its own session cookie, which ends when the token expires (8 hours at most).</p>
<form class="stack" method="post" action="/console/sign-in">
<input type="hidden" name="csrf" value="${token}">
<input type="hidden" name="next" value="${next}">
<label for="token">Admin token (JWT)</label>
<input id="token" name="token" type="password" autocomplete="off" required spellcheck="false">
<div><button type="submit">Sign in</button></div>
</form>
${nothing}`
