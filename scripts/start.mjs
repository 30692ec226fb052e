// `npm start`: build the front ends, apply local migrations, start the Worker on 127.0.0.1:$PORT,
// seed the demo tenant, print where everything is. Ctrl-C stops it.
import { spawnSync } from "node:child_process";
import { startLocal } from "./local-server.mjs";

const port = Number(process.env.PORT ?? 8787);
const build = spawnSync(process.execPath, [new URL("./build.mjs", import.meta.url).pathname], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

const server = await startLocal({ port });
const { origin } = server;
// seeded (startLocal seeds unless told not to)
const demo = /** @type {NonNullable<typeof server.demo>} */ (server.demo);
console.log(`
Echo is running at ${origin}
Dashboard: ${origin}/app
Demo page: ${origin}/demo/?bot=${demo.botKey}
Health:    ${origin}/health
API docs:  ${origin}/api/openapi.json
Demo login: ${demo.email} / ${demo.password}
Demo bot key: ${demo.botKey}
`);
for (const sig of ["SIGINT", "SIGTERM"])
  process.on(sig, async () => {
    await server.stop();
    process.exit(0);
  });
server.child.on("exit", (code) => process.exit(code ?? 0));
