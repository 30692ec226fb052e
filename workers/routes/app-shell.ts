import { Hono } from "hono";
import type { AppEnv } from "../env";
import type { AssetsPort } from "../contracts/ports";
import { AppError } from "../lib/errors";

/** Where dashboard/build.mjs writes the HTML shell inside the assets directory (dist/public). */
export const SHELL_PATH = "/app.html";

/**
 * The dashboard's single-page-app shell for GET /app and every /app/* path, so a reload or a
 * shared link to /app/c/conv_… lands on the right screen (the client router reads the path).
 * wrangler.toml routes /app and /app/* to the Worker first; the JS and CSS it references sit at
 * content-hashed /assets/app.<hash>.* paths served straight from the assets binding.
 * The shell is never cached (it names the current hashes) and carries a strict CSP: no inline
 * script, connections only to this origin (REST and the two WebSockets).
 */
export const appShellRoutes = new Hono<AppEnv>().get("/", serveShell).get("/*", serveShell);

async function serveShell(c: {
  req: { url: string };
  var: { ctx: { services: { assets: AssetsPort } } };
}): Promise<Response> {
  const url = new URL(SHELL_PATH, c.req.url);
  const assets = c.var.ctx.services.assets;
  let res = await assets.fetch(url);
  // the assets binding's html handling may redirect /app.html to its pretty URL; follow it once
  const loc = res.headers.get("location");
  if (res.status >= 300 && res.status < 400 && loc) res = await assets.fetch(new URL(loc, url));
  if (!res.ok) throw new AppError("NOT_FOUND", "the dashboard is not built: run `npm run build`");
  const self = new URL(c.req.url);
  const ws = `${self.protocol === "https:" ? "wss:" : "ws:"}//${self.host}`;
  const headers = new Headers(res.headers);
  headers.set("content-type", "text/html; charset=utf-8");
  headers.set("cache-control", "no-cache");
  headers.set(
    "content-security-policy",
    `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; connect-src 'self' ${ws}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'`,
  );
  return new Response(res.body, { status: 200, headers });
}
