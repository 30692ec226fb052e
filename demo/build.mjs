// Writes the demo customer site (a fictional note-taking app, "Nimbus Notes") to
// dist/public/demo/index.html. It embeds the widget exactly as a customer would, with the bot key
// taken from `?bot=pk_…` (the key exists only once the demo tenant is seeded; `npm start` prints
// the full link).
import { mkdirSync, writeFileSync } from "node:fs";

const out = new URL("../dist/public/demo/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nimbus Notes — notes that sync everywhere</title>
<style>
  :root { --ink: #1c2433; --sky: #2f6fed; --mist: #f4f7fc; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 17px/1.6 Georgia, "Times New Roman", serif; color: var(--ink); background: #fff; }
  header { display: flex; align-items: center; justify-content: space-between; padding: 18px 6vw; border-bottom: 1px solid #e6ebf3; }
  .logo { font: 700 22px/1 system-ui, sans-serif; color: var(--sky); text-decoration: none; }
  nav a { margin-left: 22px; color: var(--ink); text-decoration: none; font-family: system-ui, sans-serif; font-size: 15px; }
  .hero { padding: 72px 6vw 56px; background: linear-gradient(160deg, var(--mist), #fff); }
  .hero h1 { font-size: clamp(32px, 5vw, 54px); line-height: 1.1; margin: 0 0 16px; max-width: 14em; }
  .hero p { max-width: 34em; font-size: 19px; }
  .cta { display: inline-block; margin-top: 12px; padding: 12px 22px; border: 0; border-radius: 8px; background: var(--sky); color: #fff; font: 600 16px system-ui, sans-serif; cursor: pointer; }
  section { padding: 48px 6vw; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 24px; }
  .card { padding: 22px; border: 1px solid #e6ebf3; border-radius: 12px; background: #fff; }
  .card h3 { margin: 0 0 8px; font-family: system-ui, sans-serif; }
  .notice { margin: 0; padding: 10px 6vw; background: #fff4d6; font: 14px system-ui, sans-serif; }
  footer { padding: 32px 6vw; color: #6b7588; font: 14px system-ui, sans-serif; border-top: 1px solid #e6ebf3; }
</style>
</head>
<body>
<p class="notice" id="notice" hidden>This demo page needs the demo bot key: open it with <code>?bot=pk_…</code> (<code>npm start</code> prints the full link).</p>
<header>
  <a class="logo" href="#">☁ Nimbus Notes</a>
  <nav><a href="#features">Features</a><a href="#pricing">Pricing</a><a href="#help">Help</a></nav>
</header>
<div class="hero">
  <h1>Your notes, on every device, even offline.</h1>
  <p>Nimbus Notes keeps your ideas in sync across phone, tablet and laptop, with end-to-end encrypted notebooks and instant search.</p>
  <button class="cta" type="button" onclick="Echo('open')">Ask our assistant</button>
</div>
<section id="features">
  <div class="grid">
    <div class="card"><h3>Sync everywhere</h3><p>Edits appear on your other devices within seconds, and merge cleanly after working offline.</p></div>
    <div class="card"><h3>Private notebooks</h3><p>Lock a notebook with its own passphrase. Not even we can read it.</p></div>
    <div class="card"><h3>Search that finds it</h3><p>Search inside notes, PDFs and photos of whiteboards.</p></div>
  </div>
</section>
<section id="pricing">
  <div class="grid">
    <div class="card"><h3>Free</h3><p>Two devices, 60 MB of uploads a month.</p></div>
    <div class="card"><h3>Plus</h3><p>Unlimited devices, 10 GB of uploads, offline notebooks.</p></div>
    <div class="card"><h3>Teams</h3><p>Shared spaces, admin controls and priority support.</p></div>
  </div>
</section>
<section id="help"><p>Questions? The chat in the corner answers from our help centre, and a person takes over when you need one.</p></section>
<footer>© Nimbus Notes (a fictional company for the Echo demo).</footer>
<script>
  // The embed a customer pastes, with the key from ?bot= since this demo's key is made at seed time.
  window.Echo = window.Echo || function () { (Echo.q = Echo.q || []).push(arguments); };
  Echo("on", "message", function (m) { console.log("[demo] Echo message", m.role, m.text.slice(0, 60)); });
  (function () {
    var key = new URLSearchParams(location.search).get("bot");
    if (!key) { document.getElementById("notice").hidden = false; return; }
    var s = document.createElement("script");
    s.src = "/widget.js";
    s.async = true;
    s.dataset.bot = key;
    document.body.appendChild(s);
  })();
</script>
</body>
</html>
`;
writeFileSync(out + "index.html", html);
console.log("demo: dist/public/demo/index.html");
