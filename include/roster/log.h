/*
 * Logging to stderr (which the web server or systemd keeps) or syslog.
 * Lines are lower case and name what failed and on what.  Never log a token
 * or a request body.
 */
#ifndef ROSTER_LOG_H
#define ROSTER_LOG_H

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO };

/* dest is "stderr" or "syslog"; role is "master", "worker", "cli". */
void log_init(const char *dest, const char *role);
void log_msg(enum log_level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_err(...)  log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)

#endif
