-- Account screens (issue 22): GET /api/account/sessions lists a user's refresh-token families and a
-- password change revokes all of them, both by user_id (workers/storage/auth-repo.ts
-- activeFamiliesOfUser, recovery-repo.ts revokeAllSessionsStmt).
CREATE INDEX `refresh_tokens_user_idx` ON `refresh_tokens` (`user_id`,`family_id`);
