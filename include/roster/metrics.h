/*
 * GET /metrics: Prometheus text exposition of every worker's counters (the
 * scoreboard), served only to loopback peers or to the configured
 * metrics_token.
 */
#ifndef ROSTER_METRICS_H
#define ROSTER_METRICS_H

#include "roster/router.h"

enum rerr	api_metrics(struct ctx *);

#endif
