-- Voice capability tokens (issue 13, item 2): a random token per integration instead of one derived
-- from the integration id. Requests are checked against its SHA-256 digest (llm_token_hash, constant
-- time); the token itself is kept only sealed under the tenant key (llm_token_ciphertext, like the
-- provider secrets) because Echo must hand the URL to Vapi in assistant-request answers and show it
-- to writers. Rows from before this migration have neither: their old URLs stop working, and a new
-- token is issued on the first read by a writer, on the first assistant-request, or by
-- POST /api/voice/integrations/:id/rotate.
ALTER TABLE `voice_integrations` ADD `llm_token_hash` text;--> statement-breakpoint
ALTER TABLE `voice_integrations` ADD `llm_token_ciphertext` text;--> statement-breakpoint
ALTER TABLE `voice_integrations` ADD `llm_token_issued_at` integer;
