-- Wire fidelity with DataFast's Account API: website settings, who made a
-- website key and when a credential was last used, and one domain per owner.
--
-- Re-runnable and safe on a live database: every statement either adds what
-- is missing (IF NOT EXISTS) or rewrites rows that an earlier run left
-- unconverted, and every ALTER adds a nullable column, a column with a
-- constant default, or an index (InnoDB does these in place, without
-- blocking reads or writes for long).  A roster binary from before this
-- migration ignores the new columns and reads the new permission encoding
-- as its own (see below).

-- Websites: the IANA time zone, the settings an owner manages, and the
-- owner, whose websites' domains are unique (POST /websites answers 409 for
-- a second one: the key holds it under any concurrency, on Galera too).
ALTER TABLE websites
	ADD COLUMN IF NOT EXISTS timezone VARCHAR(64) CHARACTER SET ascii
	    COLLATE ascii_bin NOT NULL DEFAULT 'UTC' AFTER name,
	-- Lowercase host names, comma-separated; NULL or '': any domain.
	ADD COLUMN IF NOT EXISTS allowed_email_domains TEXT CHARACTER SET ascii
	    COLLATE ascii_bin NULL AFTER seat_limit,
	ADD COLUMN IF NOT EXISTS accept_redirect_url VARCHAR(2000) CHARACTER SET
	    utf8mb4 COLLATE utf8mb4_bin NULL AFTER allowed_email_domains,
	-- The owner (members' one row with role 'owner'), kept beside it by
	-- every write that creates a website or changes its owner.  NULL only
	-- on a website that repeated a domain of its owner before this
	-- migration: the older one keeps the domain's key.
	ADD COLUMN IF NOT EXISTS owner_id CHAR(24) CHARACTER SET ascii
	    COLLATE ascii_bin NULL AFTER accept_redirect_url;

UPDATE websites w JOIN members m ON m.website_id = w.id AND m.role = 'owner'
	SET w.owner_id = m.user_id
	WHERE w.owner_id IS NULL AND NOT EXISTS (
	    SELECT 1 FROM (SELECT w2.id, w2.domain, w2.created_at, m2.user_id
		FROM websites w2 JOIN members m2 ON m2.website_id = w2.id
		AND m2.role = 'owner') o
	    WHERE o.user_id = m.user_id AND o.domain = w.domain
	    AND (o.created_at < w.created_at
		OR (o.created_at = w.created_at AND o.id < w.id)));

ALTER TABLE websites
	ADD UNIQUE KEY IF NOT EXISTS websites_owner_domain (owner_id, domain);

-- Credentials: who created a website key (the user behind the creating
-- token; NULL for the admin CLI), so that a member who leaves, is removed
-- or becomes a viewer loses the keys they made; and when a credential last
-- authenticated, written by each worker at most once a minute per
-- credential (app/core/usage.c).
ALTER TABLE credentials
	ADD COLUMN IF NOT EXISTS created_by CHAR(24) CHARACTER SET ascii
	    COLLATE ascii_bin NULL AFTER website_id,
	ADD COLUMN IF NOT EXISTS last_used_at BIGINT NULL AFTER created_at,
	ADD KEY IF NOT EXISTS credentials_created_by (created_by, website_id);

-- Permissions: every name of DataFast's vocabulary has a bit now
-- (include/roster/auth.h), and a token's grant is stored as given, with
-- bit 30 set.  Before, bits 0-4 were the five names roster knew and 31 was
-- `*`; those five bits keep their meaning, and `*` is now stored as every
-- name's bit plus bit 17, so a binary from before still reads a new `*`
-- token as 31.  A row without bit 30 is in the old encoding (the code reads
-- both, for a binary from before writing during the switch): converted
-- here, once, since a converted row has bit 30.
UPDATE credentials
	SET perms = IF(perms & 31 = 31, 1074003967, (perms & 31) | 1073741824)
	WHERE kind = 'token' AND perms & 1073741824 = 0;
