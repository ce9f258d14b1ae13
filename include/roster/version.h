/*
 * Layer: lib
 *
 * roster's version, defined here and nowhere else: `roster --version`
 * prints it.
 */
#ifndef ROSTER_VERSION_H
#define ROSTER_VERSION_H

#define ROSTER_VERSION "0.7.0"

#endif
