import { masterKeysOf } from "./domain/secrets/crypto";
import { resealStaleSecrets } from "./domain/secrets/rotation";
import { readConfig } from "./env";
import { createLog } from "./lib/log";
import { createDb } from "./storage/db";
import { sweepRetention } from "./domain/privacy/retention";
import { systemClock } from "./lib/clock";
import { newId } from "./lib/ids";

/**
 * The cron trigger (wrangler.toml `[triggers]`): after a MASTER_KEY rotation it re-seals every
 * tenant secret still under the previous key; otherwise it finds nothing to do (three
 * scans of small tables). Its log line `secrets.reseal` says when the previous key can be dropped.
 */
export async function handleScheduled(_controller: ScheduledController, env: Env): Promise<void> {
  const config = readConfig(env);
  const log = createLog({ cron: "reseal-secrets" });
  try {
    await resealStaleSecrets({ db: createDb(env.DB), keys: masterKeysOf(config), log });
  } finally {
    // a failed re-seal must not hold back retention (and the reverse: the sweep runs second)
    await runRetentionSweep(env);
  }
}

/** Retention (issue 18): erases conversations idle past their workspace's retention period. */
export async function runRetentionSweep(env: Env) {
  const log = createLog({ cron: "retention" });
  const services = { files: env.FILES, conversationRooms: env.CONVERSATION_ROOM };
  const swept = await sweepRetention({
    db: createDb(env.DB),
    log,
    services,
    clock: systemClock,
    requestId: newId("req"),
  });
  if (swept.length) log.info("privacy.retention", { swept });
}
