-- Bots as personas and the widget avatar (issue 19): a bot's persona (name, role, tone, style rules,
-- languages, instructions, what it must never do) and its avatar settings, both JSON, both optional
-- (a bot without a persona answers as before; an avatar is off until enabled).
ALTER TABLE `bots` ADD `persona` text;--> statement-breakpoint
ALTER TABLE `bots` ADD `avatar` text;
