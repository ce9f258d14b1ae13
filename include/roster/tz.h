/*
 * Time zone names, checked against the system's time zone database
 * (Debian's tzdata, /usr/share/zoneinfo, or $TZDIR): no list of zones is
 * kept in roster, so a tzdata update is all a new zone needs.
 */
#ifndef ROSTER_TZ_H
#define ROSTER_TZ_H

/* The longest name accepted, without its NUL. */
#define TZ_NAME_MAX 64

/*
 * 1 when name is an IANA time zone name ("Europe/Paris", "UTC",
 * "America/Argentina/Buenos_Aires", "Etc/GMT+5") that the database holds.
 * The name is checked first to be one: segments of letters, digits, '_',
 * '+' and '-' separated by single slashes, the first starting with a
 * capital letter (which leaves out the database's own files: posix/,
 * right/, localtime, zone.tab...), at most TZ_NAME_MAX characters; only
 * then is the file opened, and it must be a regular file in the TZif
 * format.  No '.' can appear, so no name leaves the folder.  "UTC" is
 * always valid, with or without the database.
 */
int tz_valid(const char *name);

#endif
