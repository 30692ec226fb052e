-- SSO with OpenID Connect per workspace and custom roles (issue 18)
-- (workers/storage/schema/sso.ts). The client secret is sealed in tenant_secrets (name "sso_oidc"),
-- so MASTER_KEY rotation covers it like every other tenant secret.
CREATE TABLE `sso_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`issuer` text NOT NULL,
	`client_id` text NOT NULL,
	`allowed_domains` text NOT NULL,
	`default_role` text NOT NULL,
	`required` integer NOT NULL DEFAULT 0,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
-- one row per started sign-in: the state (hashed), nonce and PKCE verifier, used at most once
CREATE TABLE `sso_logins` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`nonce` text NOT NULL,
	`code_verifier` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer
);
--> statement-breakpoint
-- custom roles of a workspace: a name and a set of permissions (workers/domain/auth/permissions.ts)
CREATE TABLE `roles` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`permissions` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
-- GET /api/roles lists a workspace's roles; names are unique per workspace
CREATE UNIQUE INDEX `roles_tenant_name_uq` ON `roles` (`tenant_id`,`name`);
