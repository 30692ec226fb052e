-- Channels, the rest of issue 17: the WhatsApp Business Account id a channel syncs templates from,
-- the Echo message a wamid carries (delivery receipts reach that message), the synced approved
-- templates, and cross-channel contacts (conversations of one person on several channels, linked).
ALTER TABLE `whatsapp_channels` ADD `waba_id` text;--> statement-breakpoint
ALTER TABLE `whatsapp_messages` ADD `message_id` text;--> statement-breakpoint
CREATE INDEX `whatsapp_messages_conversation_idx` ON `whatsapp_messages` (`tenant_id`,`conversation_id`);--> statement-breakpoint
CREATE TABLE `whatsapp_templates` (
	`channel_id` text NOT NULL,
	`name` text NOT NULL,
	`language` text NOT NULL,
	`tenant_id` text NOT NULL,
	`category` text NOT NULL,
	`components` text NOT NULL,
	`synced_at` integer NOT NULL,
	PRIMARY KEY(`channel_id`, `name`, `language`)
);
--> statement-breakpoint
CREATE TABLE `contact_links` (
	`tenant_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`linked_by` text,
	`linked_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `conversation_id`)
);
--> statement-breakpoint
CREATE INDEX `contact_links_contact_idx` ON `contact_links` (`tenant_id`,`contact_id`);
