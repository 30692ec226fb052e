-- Channels (issue 17): the email channel's inbound addresses and the message ids it threads on,
-- WhatsApp Cloud API channels, their contacts (one conversation per contact, the 24-hour window)
-- and the wamids seen (webhook idempotency, delivery receipts).
CREATE TABLE `email_inboxes` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`local_part` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_inboxes_local_part_uq` ON `email_inboxes` (`local_part`);--> statement-breakpoint
CREATE TABLE `email_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`message_id` text NOT NULL,
	`direction` text NOT NULL,
	`contact` text NOT NULL,
	`subject` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_messages_tenant_mid_uq` ON `email_messages` (`tenant_id`,`message_id`);--> statement-breakpoint
CREATE INDEX `email_messages_conversation_idx` ON `email_messages` (`tenant_id`,`conversation_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `whatsapp_channels` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`bot_id` text NOT NULL,
	`phone_number_id` text NOT NULL,
	`secrets_ciphertext` text NOT NULL,
	`secret_hints` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `whatsapp_channels_tenant_idx` ON `whatsapp_channels` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `whatsapp_contacts` (
	`channel_id` text NOT NULL,
	`wa_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`last_inbound_at` integer NOT NULL,
	PRIMARY KEY(`channel_id`, `wa_id`)
);
--> statement-breakpoint
CREATE INDEX `whatsapp_contacts_conversation_idx` ON `whatsapp_contacts` (`tenant_id`,`conversation_id`);--> statement-breakpoint
CREATE TABLE `whatsapp_messages` (
	`wamid` text NOT NULL,
	`channel_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`direction` text NOT NULL,
	`status` text NOT NULL,
	`sent_at` integer NOT NULL,
	PRIMARY KEY(`channel_id`, `wamid`)
);
