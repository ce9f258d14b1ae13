/*
 * Checks on free text that reaches the database (names, domains): valid
 * UTF-8 without control characters, and a length limit in characters.
 */
#ifndef ROSTER_UTF8_H
#define ROSTER_UTF8_H

#include <stddef.h>

/* 1 when s[0..len) is valid UTF-8, has no C0 controls or DEL, and at most
 * maxchars code points. */
int utf8_valid(const char *s, size_t len, size_t maxchars);

#endif
