/*
 * See common.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "roster/db.h"
#include "roster/jsonmem.h"
#include "roster/ratelimit.h"
#include "roster/scoreboard.h"

struct config  fuzz_cfg;
struct service fuzz_svc;
struct arena   fuzz_arena; /* static: its kept block is never a leak */

void
fuzz_init(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	config_defaults(&fuzz_cfg);
	memset(&fuzz_svc, 0, sizeof(fuzz_svc));
	fuzz_svc.cfg = &fuzz_cfg;
	/* Never connected (no db_ensure): every statement is DB_ELOST. */
	fuzz_svc.db = db_new(&fuzz_cfg);
	fuzz_svc.sb = scoreboard_new(1);
	/*
	 * The database store, so counting fails open like the db: the local
	 * one would count and start answering 429 partway through a run.
	 */
	snprintf(fuzz_cfg.rate_store, sizeof(fuzz_cfg.rate_store), "database");
	fuzz_svc.rl = ratelimit_new(&fuzz_cfg, NULL);
	jsonmem_init();
	arena_init(&fuzz_arena);
}

void
fuzz_begin(void)
{
	arena_reset(&fuzz_arena);
	jsonmem_use(&fuzz_arena);
}

char *
fuzz_strdup(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	if (n > 0)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

int
fuzz_read(void *ctx, char *buf, int n)
{
	struct fuzz_reader *r = ctx;
	size_t              k = r->len - r->pos;

	if (k == 0)
		return r->fail_at_end ? -1 : 0;
	if (k > (size_t)n)
		k = (size_t)n;
	if (r->chunk > 0 && k > r->chunk)
		k = r->chunk;
	memcpy(buf, r->data + r->pos, k);
	r->pos += k;
	return (int)k;
}

int
fuzz_utf8_ok(const char *str, size_t len, size_t maxchars)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t               i = 0, chars = 0, n, k;
	unsigned char        lo, hi;

	while (i < len) {
		unsigned char c = s[i];
		lo = 0x80;
		hi = 0xbf;
		if (c <= 0x7f) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			n = 0;
		} else if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c == 0xe0) {
			n = 2;
			lo = 0xa0;
		} else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
			n = 2;
		else if (c == 0xed) {
			n = 2;
			hi = 0x9f;
		} else if (c == 0xf0) {
			n = 3;
			lo = 0x90;
		} else if (c >= 0xf1 && c <= 0xf3)
			n = 3;
		else if (c == 0xf4) {
			n = 3;
			hi = 0x8f;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		/* The second byte has the narrowed range, the rest 80..BF. */
		for (k = 1; k <= n; k++) {
			unsigned char b = s[i + k];
			if (k == 1 ? (b < lo || b > hi) :
				     (b < 0x80 || b > 0xbf))
				return 0;
		}
		i += n + 1;
		if (++chars > maxchars)
			return 0;
	}
	return 1;
}

int
fuzz_hex24(const char *s)
{
	size_t i;

	if (strlen(s) != 24)
		return 0;
	for (i = 0; i < 24; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	return 1;
}

/*
 * Arena allocations as separate heap blocks (linked with
 * -Wl,--wrap=arena_alloc,...): each is calloc'd exactly as large as asked
 * and freed by a cleanup at the arena's reset, like the arena's own memory.
 * Calls inside app/lib/arena.c (buf_*, arena_defer) still use the real bump
 * allocator: --wrap only redirects references between object files.
 */
void *__wrap_arena_alloc(struct arena *, size_t);
char *__wrap_arena_strndup(struct arena *, const char *, size_t);
char *__wrap_arena_strdup(struct arena *, const char *);
char *__wrap_arena_printf(struct arena *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

void *
__wrap_arena_alloc(struct arena *a, size_t n)
{
	void *p = calloc(1, n > 0 ? n : 1);

	if (p == NULL)
		abort();
	arena_defer(a, free, p);
	return p;
}

char *
__wrap_arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = __wrap_arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
__wrap_arena_strdup(struct arena *a, const char *s)
{
	return s == NULL ? NULL : __wrap_arena_strndup(a, s, strlen(s));
}

char *
__wrap_arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int     n;
	char   *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	p = __wrap_arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
