-- `roster audit --user ID`: a user's entries, the ones without a website
-- (access tokens created and revoked) included, without a full scan.
ALTER TABLE audit_log ADD KEY audit_user (user_id, created_at);
