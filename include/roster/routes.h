/*
 * The API's route table (app/api/routes.c), handed to the router by the
 * worker: the router itself knows no route.
 */
#ifndef ROSTER_ROUTES_H
#define ROSTER_ROUTES_H

#include "roster/router.h"

extern const struct route_set api_routes;

#endif
