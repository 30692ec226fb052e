-- Calls list (issue 19): GET /api/calls pages a tenant's calls newest first, filtered by date.
CREATE INDEX `voice_calls_tenant_created_idx` ON `voice_calls` (`tenant_id`,`created_at`,`id`);
