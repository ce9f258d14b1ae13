/*
 * jansson on the request arena; see include/roster/jsonmem.h.
 */
#include <stdlib.h>

#include <jansson.h>

#include "roster/arena.h"
#include "roster/jsonmem.h"

static struct arena *cur;

static void *
jmalloc(size_t n)
{
	/* Before any request (startup), fall back to the heap. */
	if (cur == NULL)
		return malloc(n);
	return arena_alloc(cur, n);
}

static void
jfree(void *p)
{
	/* Arena memory is freed by arena_reset(); heap memory leaks by design
	 * only before the first request, which never allocates JSON. */
	(void)p;
}

void
jsonmem_init(void)
{
	json_set_alloc_funcs(jmalloc, jfree);
}

void
jsonmem_use(struct arena *a)
{
	cur = a;
}

static int
dump_cb(const char *p, size_t n, void *arg)
{
	buf_add(arg, p, n);
	return 0;
}

void
jsonmem_dump(const json_t *v, struct buf *b)
{
	json_dump_callback(v, dump_cb, b, JSON_COMPACT);
}
