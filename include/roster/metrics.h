/*
 * GET /metrics: Prometheus text exposition of every worker's counters (the
 * scoreboard), served only to loopback peers or to the configured
 * metrics_token.  The text is the whole body (ctx->raw, the plain
 * dialect); a refusal is in the Team API's envelope.
 */
#ifndef ROSTER_METRICS_H
#define ROSTER_METRICS_H

#include "roster/ctx.h"

enum rerr metrics_show(struct ctx *);

#endif
