#!/bin/sh
# roster under mod_fcgid (shared hosting): this wrapper sits in the document root
# next to .htaccess, executable (chmod 755). mod_fcgid runs it with fd 0 = the
# listening socket it made for this process; `exec` keeps that fd and the pid, and
# roster, seeing a listening socket on fd 0, serves it as one single worker:
# mod_fcgid is the process manager (it starts more copies under load, stops idle
# ones with SIGTERM). stderr goes to Apache's error log.
#
# Edit the two paths. Keep both files OUT of the document root: roster.conf holds
# the database password.
ROSTER=/home/USER/roster/roster
CONFIG=/home/USER/roster/roster.conf

exec "$ROSTER" serve --config "$CONFIG"
