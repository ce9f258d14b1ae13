-- The invitation email outbox.  A row is written in the transaction that
-- creates or resends the invitation, so no invitation exists without its
-- email and no email exists for a rolled-back invitation.  Senders claim
-- rows (claimed_by/claimed_until), so one message has one sender at a time
-- across hosts; a sender that dies leaves its claim to expire.

CREATE TABLE IF NOT EXISTS outbox (
	id            CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	invitation_id CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	website_id    CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	to_email      VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
	subject       VARCHAR(300) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	body_text     TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	body_html     TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	-- Stable across retries, so a receiver can drop a duplicate delivery.
	message_id    VARCHAR(120) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	status        ENUM('pending','sent','failed') NOT NULL DEFAULT 'pending',
	attempts      INT NOT NULL DEFAULT 0,
	next_attempt  BIGINT NOT NULL,
	claimed_by    CHAR(24) CHARACTER SET ascii COLLATE ascii_bin NULL,
	claimed_until BIGINT NULL,
	last_error    VARCHAR(300) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
	created_at    BIGINT NOT NULL,
	sent_at       BIGINT NULL,
	PRIMARY KEY (id),
	KEY outbox_due (status, next_attempt),
	KEY outbox_claim (claimed_by),
	KEY outbox_invitation (invitation_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
