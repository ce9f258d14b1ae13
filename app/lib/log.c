/*
 * One line per event, written with a single write(2) so lines from several
 * workers sharing stderr never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "roster/log.h"

static int         use_syslog;
static const char *log_role = "roster";

void
log_init(const char *dest, const char *role)
{
	log_role = role;
	use_syslog = dest != NULL && strcmp(dest, "syslog") == 0;
	if (use_syslog)
		openlog("roster", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info" };
	static const int         prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO };
	char                     line[2048];
	struct timespec          ts;
	struct tm                tm;
	va_list                  ap;
	int                      n, m;

	if (use_syslog) {
		va_start(ap, fmt);
		vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
		syslog(prio[lvl], "%s: %s", log_role, line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ roster[%d] %s %s: ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ts.tv_nsec / 1000000, (int)getpid(), log_role,
	    names[lvl]);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	/* A path from a client must not forge a second log line. */
	for (m = 0; m < n; m++)
		if ((unsigned char)line[m] < 0x20 && line[m] != '\t')
			line[m] = '?';
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}
