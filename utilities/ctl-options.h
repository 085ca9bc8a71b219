/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_OPTIONS_H
#define TMIRROR_CTL_OPTIONS_H 1

/* tmirror-ctl's global options: what they are, parsing them, and --help
 * (ctl-options.c). */

#include <stdbool.h>

#include "table.h"

struct shash;

/* --wait=none|hv. */
enum wait_type {
    WAIT_NONE,                  /* Return once the database has committed. */
    WAIT_HV,                    /* Also wait for every chassis. */
};

/* The global options of one invocation. */
struct ctl_options {
    const char *db;             /* --db: the database server to contact. */
    bool oneline;               /* --oneline: write each command's output as
                                 * a single line? */
    bool dry_run;               /* --dry-run: do not commit any changes. */
    unsigned int timeout;       /* --timeout: seconds to wait for the
                                 * database (and for --wait=hv), 0 for no
                                 * limit. */
    bool retry;                 /* --retry: keep trying to connect to the
                                 * database. */
    bool leader_only;           /* Unless --no-leader-only: a cluster
                                 * follower will not do (a follower would
                                 * forward writes). */
    enum wait_type wait_type;   /* --wait=none|hv. */

    /* Output format for commands that produce tables.  'format_given'
     * records an explicit --format; without one, tmirror's own *-list
     * commands print a 2-d table and the generic database commands print
     * lists, as in ovs-vsctl. */
    struct table_style table_style;
    bool format_given;
};

#define CTL_OPTIONS_INITIALIZER {                   \
        .leader_only = true,                        \
        .wait_type = WAIT_NONE,                     \
        .table_style = TABLE_STYLE_DEFAULT,         \
    }

/* Parses the global options in 'argv' into 'opts' (initialized with
 * CTL_OPTIONS_INITIALIZER) and the command-specific ones given before the
 * first command into 'local_options'; stops at the first non-option
 * argument.  --help, --version, --commands and --options print and exit;
 * a bad option exits with an error. */
void ctl_options_parse(int argc, char *argv[], struct shash *local_options,
                       struct ctl_options *opts);

#endif /* utilities/ctl-options.h */
