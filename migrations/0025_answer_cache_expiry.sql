-- Answer cache expiry (issue 14): entries are served for ANSWER_CACHE_TTL_SECONDS (default one day)
-- and the hourly cron deletes older ones across tenants, oldest first
-- (workers/storage/answer-cache-repo.ts deleteOlderThan).
CREATE INDEX `answer_cache_created_at` ON `answer_cache` (`created_at`);
