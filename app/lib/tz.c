/*
 * Time zone names against the system's database (include/roster/tz.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "roster/tz.h"

/* The name's shape alone: no file is touched for anything else. */
static int
tz_name_ok(const char *s)
{
	size_t n = strlen(s), i, seg = 0;

	if (n == 0 || n > TZ_NAME_MAX || !(s[0] >= 'A' && s[0] <= 'Z'))
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '/') {
			if (seg == 0)
				return 0;
			seg = 0;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '_' || c == '+' ||
			c == '-'))
			return 0;
		seg++;
	}
	return seg > 0;
}

int
tz_valid(const char *name)
{
	const char *dir = getenv("TZDIR");
	char        path[512], magic[4];
	struct stat st;
	int         fd, ok;

	if (name == NULL || !tz_name_ok(name))
		return 0;
	if (strcmp(name, "UTC") == 0)
		return 1;
	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return 0;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    read(fd, magic, 4) == 4 && memcmp(magic, "TZif", 4) == 0;
	close(fd);
	return ok;
}
