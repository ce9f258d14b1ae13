-- Rate-limit windows and idempotency records live in the database, so every
-- worker and every host of one deployment shares them.

-- One row per (credential or client, window).  The count is bumped with an
-- atomic upsert; rows of past windows are deleted by the workers.
CREATE TABLE IF NOT EXISTS rate_windows (
	rkey         VARBINARY(64) NOT NULL,
	window_start BIGINT NOT NULL,
	hits         INT NOT NULL,
	PRIMARY KEY (rkey, window_start),
	KEY rate_windows_old (window_start)
) ENGINE=InnoDB;

-- A write that carried an Idempotency-Key, with the response it got.  The
-- row is written in the write's own transaction: if the write committed,
-- the record did too, and a retry replays it.
CREATE TABLE IF NOT EXISTS idempotency (
	credential_id CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	key_hash      BINARY(32) NOT NULL,
	request_hash  BINARY(32) NOT NULL,
	status        INT NOT NULL,
	content_type  VARCHAR(100) CHARACTER SET ascii NOT NULL,
	-- The response, sealed (XSalsa20-Poly1305) with a key derived from the
	-- Idempotency-Key itself, which the database never sees: a stored
	-- response may hold a fresh invite link or API key.
	body          MEDIUMBLOB NOT NULL,
	created_at    BIGINT NOT NULL,
	PRIMARY KEY (credential_id, key_hash),
	KEY idempotency_old (created_at)
) ENGINE=InnoDB;
