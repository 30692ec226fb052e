-- Audit log retention by plan (issue 18): the hourly sweep finds workspaces with entries past their
-- plan's window (auditDays in workers/domain/billing/plans.ts) through this index.
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at, tenant_id);
