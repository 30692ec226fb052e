-- Business-hours twins past 1,000 durations of a kind read a sample (issue 16): each event falls in a
-- pseudo-random bucket 0–63 derived from its time, and this index (the bucket, then the time, with the
-- value, so it covers the read) lets a report read the first k buckets of a range without scanning
-- the others. The query repeats the expression and the partial condition exactly
-- (workers/storage/analytics-repo.ts). Partial on `value_ms IS NOT NULL`, a term no other query
-- states, so the planner never picks it for the triggers' per-conversation lookups (which a
-- (tenant, kind, …) index otherwise wins, turning each insert into a scan of the tenant's events).
CREATE INDEX `conversation_events_sample_idx` ON `conversation_events` (`tenant_id`, `kind`, ((`at` % 1000003) % 64), `at`, `value_ms`)
	WHERE `value_ms` IS NOT NULL;
