/*
 * jansson allocates from the current request's arena: every JSON value of
 * a request dies with the arena in the worker loop's one reset, so no
 * handler ever calls json_decref and none can leak.  (jansson's allocator
 * hooks are process-global; a worker serves one request at a time.)
 */
#ifndef ROSTER_JSONMEM_H
#define ROSTER_JSONMEM_H

#include <jansson.h>

struct arena;
struct buf;

/* Installs the hooks once per process. */
void jsonmem_init(void);
/* Points the hooks at this arena until the next call. */
void jsonmem_use(struct arena *);
/* Appends the compact text of v to b. */
void jsonmem_dump(const json_t *v, struct buf *b);

#endif
