-- Recording retention (issue 18): call recordings older than this many days are deleted by the
-- hourly sweep; the call row, transcript and summary stay (null: keep recordings).
ALTER TABLE privacy_settings ADD COLUMN recording_retention_days INTEGER;
