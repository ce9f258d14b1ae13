-- roster schema, version 1.
-- Ids are 24-hex ObjectId strings (no AUTO_INCREMENT: ids never collide between
-- hosts or Galera nodes).  Times are BIGINT milliseconds since the Unix epoch, so
-- that the application, not the server's clock or time zone, decides "now".
-- Secrets (token hashes) are BINARY; emails use a _ci collation on purpose.

CREATE TABLE IF NOT EXISTS users (
	id          CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	email       VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
	name        VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
	image       VARCHAR(1000) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
	created_at  BIGINT NOT NULL,
	PRIMARY KEY (id),
	UNIQUE KEY users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS websites (
	id          CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	domain      VARCHAR(253) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
	name        VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
	seat_limit  INT NULL,
	-- Bumped by every seat-consuming write: the row lock serialises them on
	-- one server, and the write makes concurrent ones conflict under Galera.
	seat_seq    BIGINT NOT NULL DEFAULT 0,
	created_at  BIGINT NOT NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS members (
	website_id  CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	user_id     CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	role        ENUM('owner','member','viewer') NOT NULL,
	-- NULL for non-owners: UNIQUE(website_id, owner_key) allows one owner.
	owner_key   TINYINT AS (IF(role = 'owner', 1, NULL)) PERSISTENT,
	-- Sort rank for the team list: owner first, then by joined_at.
	sort_rank   TINYINT AS (IF(role = 'owner', 0, 1)) PERSISTENT,
	joined_at   BIGINT NOT NULL,
	PRIMARY KEY (website_id, user_id),
	UNIQUE KEY members_one_owner (website_id, owner_key),
	KEY members_list (website_id, sort_rank, joined_at, user_id),
	KEY members_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS invitations (
	id          CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	website_id  CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	email       VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
	role        ENUM('member','viewer') NOT NULL,
	token_hash  BINARY(32) NOT NULL,
	status      ENUM('pending','accepted','revoked','expired') NOT NULL,
	-- NULL unless pending: at most one pending invitation per (website, email).
	pending_key TINYINT AS (IF(status = 'pending', 1, NULL)) PERSISTENT,
	invited_by  CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NULL,
	created_at  BIGINT NOT NULL,
	expires_at  BIGINT NOT NULL,
	accepted_at BIGINT NULL,
	accepted_by CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NULL,
	PRIMARY KEY (id),
	UNIQUE KEY invitations_token (token_hash),
	UNIQUE KEY invitations_one_pending (website_id, email, pending_key),
	KEY invitations_list (website_id, status, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Both credential kinds: 'token' (dft_, belongs to a user) and 'key' (df_,
-- bound to one website).  Only SHA-256 of the whole token is stored.
CREATE TABLE IF NOT EXISTS credentials (
	id          CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	kind        ENUM('token','key') NOT NULL,
	token_hash  BINARY(32) NOT NULL,
	user_id     CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NULL,
	website_id  CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NULL,
	name        VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
	display_key VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	-- Permission bit set (see include/roster/auth.h); tokens only.
	perms       INT NOT NULL DEFAULT 0,
	-- 1 when the token's website allowlist is non-empty (see credential_websites).
	scoped      TINYINT NOT NULL DEFAULT 0,
	created_at  BIGINT NOT NULL,
	revoked_at  BIGINT NULL,
	PRIMARY KEY (id),
	UNIQUE KEY credentials_hash (token_hash),
	KEY credentials_user (user_id, kind),
	KEY credentials_website (website_id, kind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS credential_websites (
	credential_id CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	website_id    CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	PRIMARY KEY (credential_id, website_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Every write, in the transaction of the write.
CREATE TABLE IF NOT EXISTS audit_log (
	id            CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	created_at    BIGINT NOT NULL,
	website_id    CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NULL,
	user_id       CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NULL,
	credential_id CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NULL,
	action        VARCHAR(40) CHARACTER SET ascii NOT NULL,
	target        VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
	request_id    VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
	PRIMARY KEY (id),
	KEY audit_website (website_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
