/*
 * A worker: one process, one database connection, one request at a time,
 * accepting on the listen socket it inherited from the master (or from the
 * web server).  It returns after SIGTERM (finishing the request in hand),
 * after about cfg->max_requests requests, or when accept fails.
 */
#ifndef ROSTER_WORKER_H
#define ROSTER_WORKER_H

struct config;
struct ratelimit_shm;
struct scoreboard;
struct slot;

/*
 * sb, slot and rt are NULL without a master (mod_fcgid, spawn-fcgi): the
 * worker then keeps a private scoreboard, and rate_store = local counts in
 * the database.  rt is the master's shared rate table.  Returns an exit
 * code.
 */
int worker_run(const struct config *, int listen_fd, struct scoreboard *,
    struct slot *, struct ratelimit_shm  *rt);

#endif
