-- The outbox keeps no usable invitation link.  An email's parts hold a mark
-- where the link goes; the link itself is in link_sealed, sealed with the
-- configuration's seal_key and bound to the invitation's id, and is forgotten
-- once the email is sent, given up or retired.  So a backup of the database
-- holds no way into a team.
--
-- 'retired': an email that will not be sent because its invitation was
-- revoked, resent, accepted, given another role or expired; 'failed' keeps
-- meaning "could not be delivered", which /metrics reports.
--
-- Every statement is safe to run again and on a live database: adding a
-- nullable column and growing an ENUM at its end are instant in MariaDB
-- 10.11 (metadata only); the index is built online (writes go on).
ALTER TABLE outbox
	ADD COLUMN IF NOT EXISTS link_sealed VARBINARY(512) NULL AFTER body_html,
	MODIFY status ENUM('pending','sent','failed','retired') NOT NULL DEFAULT 'pending';

-- /metrics reads the oldest waiting email's age and the counts from here.
ALTER TABLE outbox ADD INDEX IF NOT EXISTS outbox_age (status, created_at);

-- Emails written by roster before this migration hold their link in the
-- clear.  Those that will never be sent lose it now; one still waiting keeps
-- it until it is sent or retired, which then removes it the same way (see
-- OUTBOX_FORGET_LINK in app/db/stmt.c), unless `roster migrate` seals it
-- first (it does when seal_key is set).
UPDATE outbox
	SET body_text = REGEXP_REPLACE(body_text, 'join[?]token=[-A-Za-z0-9_]+', 'join (link removed)'),
	    body_html = REGEXP_REPLACE(body_html, 'join[?]token=[-A-Za-z0-9_]+', 'join (link removed)')
	WHERE status <> 'pending' AND body_text LIKE '%join?token=%';
