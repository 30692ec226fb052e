-- Credits after a downgrade inside the month (issue 15): answers a plan that does not spend credits
-- paid for (Pro's metered subscription, unlimited Enterprise) are not charged to credit packs when
-- the workspace falls back to Free in the same month. `covered` is the month's answers so paid,
-- recorded when such a plan is seen to have ended (`covered_at`, ms); credits pay only for answers
-- past max(the plan's quota, covered).
ALTER TABLE `billing_credit_spend` ADD `covered` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE `billing_credit_spend` ADD `covered_at` integer;
