/*
 * A statement's result as the database layer hands it over (db_exec(),
 * db_rows() in include/roster/db.h), and how callers read it: a cell by
 * its column's name (the enums of include/roster/stmt.h), or every row at
 * once into an array of the caller's structs through a mapping table.
 *
 * Everything is owned by the arena given to db_exec(): each cell is a
 * NUL-terminated copy, NULL for SQL NULL; the mapped structs point at the
 * same copies, so mapping allocates one array and nothing per cell.  Pure
 * code, no MySQL type: tests build a result by hand.
 */
#ifndef ROSTER_DBRES_H
#define ROSTER_DBRES_H

#include <stddef.h>
#include <stdint.h>

struct arena;

struct dbres {
	size_t   nrows;
	size_t   ncols;
	char   **cell;      /* nrows * ncols; NULL for SQL NULL */
	size_t  *len;       /* byte length of each cell */
	uint64_t affected;  /* rows matched, for writes */
	uint64_t insert_id; /* LAST_INSERT_ID(expr) of an upsert */
	void    *rows;      /* db_rows(): nrows mapped structs */
};

/* Cell accessors; r and c must be in range. */
const char *db_cell(const struct dbres *, size_t r, size_t c);
size_t      db_cell_len(const struct dbres *, size_t r, size_t c);
/* The cell as a number; 0 for SQL NULL. */
int64_t db_cell_i64(const struct dbres *, size_t r, size_t c);
/* The same with the value SQL NULL stands for (-1: "no seat limit"). */
int64_t db_cell_i64_or(const struct dbres *, size_t r, size_t c,
    int64_t if_null);

/* What a column becomes in the caller's struct. */
enum dbf_type {
	DBF_SKIP, /* not mapped: read by name, or not at all */
	DBF_STR,  /* const char *: the cell, NULL for SQL NULL */
	DBF_I64,  /* int64_t */
	DBF_INT,  /* int */
	DBF_UINT, /* unsigned */
	DBF__MAX
};

/* One column's place in the struct. */
struct db_field {
	size_t        off;     /* offsetof() the member */
	int64_t       if_null; /* numbers: the value of SQL NULL */
	enum dbf_type type;
};

/*
 * A row-to-struct mapping: one db_field per column, indexed by the
 * statement's column enum, so each line names the column it maps:
 *
 *	static const struct db_field invite_fields[INVITE_C__MAX] = {
 *		[INVITE_C_ID] = DB_FIELD(struct invitation, id),
 *		...
 *	};
 *	static const struct db_map invite_map =
 *	    DB_MAP(struct invitation, invite_fields);
 *
 * A column left out of the initialiser is skipped (DBF_SKIP), as is one
 * given as DB_SKIP, which says so where it is read.  The map may name
 * fewer columns than the result has (the leading ones), never more.
 */
struct db_map {
	size_t                 size; /* sizeof the struct */
	size_t                 ncols;
	const struct db_field *col; /* [ncols] */
};

/*
 * The member's type picks the conversion; a member of another type does
 * not compile.
 */
/* clang-format would lay out these braced bodies as blocks. */
/* clang-format off */
#define DB_FIELD_TYPE(T, m)						\
	_Generic(((T *)0)->m,						\
	    const char *: DBF_STR,					\
	    int64_t: DBF_I64,						\
	    int: DBF_INT,						\
	    unsigned: DBF_UINT)
#define DB_FIELD(T, m)							\
	{ offsetof(T, m), 0, DB_FIELD_TYPE(T, m) }
/* A number whose SQL NULL reads as v instead of 0. */
#define DB_FIELD_OR(T, m, v)						\
	{ offsetof(T, m), (v), DB_FIELD_TYPE(T, m) }
/* A column the map leaves alone, named to say so. */
#define DB_SKIP		{ 0, 0, DBF_SKIP }
#define DB_MAP(T, fields)						\
	{ sizeof(T), sizeof(fields) / sizeof((fields)[0]), (fields) }
/* clang-format on */

/*
 * Copies row r into the struct at dst, column by column, as the map says;
 * members the map skips keep their value.  Aborts when the map names more
 * columns than the result has: a map used with the wrong statement.
 */
void db_map_row(const struct dbres *, size_t r, const struct db_map *,
    void *dst);
/*
 * The first n rows (n <= nrows) as a new array of n + 1 structs, owned by
 * the arena and zeroed first: members the map skips, and the struct after
 * the last, are 0.  Aborts as db_map_row() does.
 */
void *db_map(struct arena *, const struct dbres *, const struct db_map *,
    size_t n);

#endif
