-- Business hours (issue 16): a tenant's weekly opening intervals in its IANA time zone and closed
-- local days; analytics reports response and resolution times in business hours too.
CREATE TABLE `business_hours` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`timezone` text NOT NULL,
	`intervals` text NOT NULL,
	`holidays` text NOT NULL,
	`updated_at` integer NOT NULL
);
