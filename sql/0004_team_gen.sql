-- A website's team generation: bumped in the same transaction as every
-- change to the website's members (or to a member's name), so a worker's
-- cached team page or credential resolution for the website is used only
-- while the generation it was read at is still the current one (app/lib/cache.c).
-- One statement, so a failed run leaves nothing half-applied.  After editing
-- members or users by hand, bump it too:
--   UPDATE websites SET team_gen = team_gen + 1 WHERE id = '...';
ALTER TABLE websites ADD COLUMN team_gen BIGINT NOT NULL DEFAULT 0 AFTER seat_seq;
