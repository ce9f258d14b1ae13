/*
 * What the libFuzzer targets share: the worker-lifetime state of one
 * request (a config, a service whose database is never connected, one
 * arena reset per input), an in-memory body reader, and checks that abort
 * so libFuzzer records the input.
 *
 * The fuzz build links with --wrap for arena_alloc and friends (common.c):
 * every arena allocation made outside app/lib/arena.c becomes its own heap
 * block, freed at the arena's reset, so AddressSanitizer sees the bounds
 * of each one instead of one 16 KiB block.
 */
#ifndef ROSTER_FUZZ_COMMON_H
#define ROSTER_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "roster/arena.h"
#include "roster/config.h"
#include "roster/router.h"

/* A violated invariant: say which, then abort (libFuzzer saves the input). */
#define FUZZ_CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, \
			    "fuzz check failed at %s:%d: %s: ", __FILE__, \
			    __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
			abort(); \
		} \
	} while (0)

extern struct config  fuzz_cfg;
extern struct service fuzz_svc;
extern struct arena   fuzz_arena;

/* Once per process: defaults, an unconnected db, a scoreboard, jansson. */
void fuzz_init(void);
/* Per input: resets the arena and points jansson at it. */
void fuzz_begin(void);
/* A NUL-terminated heap copy of data[0..n) (exactly n + 1 bytes). */
char *fuzz_strdup(const uint8_t *data, size_t n);

/* The body as an http_reader: at most `chunk` bytes a call (0: no cap). */
struct fuzz_reader {
	const char *data;
	size_t      len;
	size_t      pos;
	size_t      chunk;
	int         fail_at_end; /* -1 instead of EOF */
};

int fuzz_read(void *, char *, int);

/* RFC 3629 well-formedness by Unicode's table 3-7, with utf8_valid's extra
 * rules (no C0 control, no DEL, at most maxchars code points). */
int fuzz_utf8_ok(const char *, size_t, size_t maxchars);
/* Exactly 24 lowercase hex digits. */
int fuzz_hex24(const char *);

#endif
