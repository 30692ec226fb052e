import { resealStaleSecrets } from "./domain/secrets/rotation";
import { scheduledCtx } from "./compose";

/**
 * The cron trigger (wrangler.toml `[triggers]`): after a MASTER_KEY rotation it re-seals every
 * tenant secret still under the previous key; otherwise it finds nothing to do (three
 * scans of small tables). Its log line `secrets.reseal` says when the previous key can be dropped.
 */
export async function handleScheduled(_controller: ScheduledController, env: Env): Promise<void> {
  await resealStaleSecrets(scheduledCtx(env, "reseal-secrets"));
}
