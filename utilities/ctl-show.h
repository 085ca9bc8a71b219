/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_SHOW_H
#define TMIRROR_CTL_SHOW_H 1

/* How tmirror-ctl prints intent rows for people: a rule, a target, a
 * session in the syntax of the commands that make them, and "show", the
 * whole intent as a tree in name order (ctl-show.c). */

#include <stddef.h>
#include <stdint.h>

struct ctl_context;
struct ds;
struct tmrec_filter;
struct tmrec_target;

/* Appends the protocol of 'rule' by name or number. */
void put_protocol(struct ds *s, int64_t protocol);

/* Appends a port range "N" or "N-M" from optional columns. */
void put_port_range(struct ds *s, const int64_t *from, size_t n_from,
                    const int64_t *to, size_t n_to);

/* Appends a target's destination: its iface-id or its addresses. */
void format_target_dest(struct ds *s, const struct tmrec_target *t);

/* Appends a target's options as "dst-port=N erspan-ver=N ...", each preceded
 * by a space. */
void format_target_options(struct ds *s, const struct tmrec_target *t);

/* Appends 'target' in target-add syntax, e.g. "ip 192.0.2.1 encap=vxlan". */
void format_target(struct ds *s, const struct tmrec_target *t);

/* Appends 'filter' and its rules, indented. */
void show_filter(struct ds *s, const struct tmrec_filter *filter);

/* "show": the whole intent as a tree, in name order. */
void cmd_show(struct ctl_context *ctx);

#endif /* utilities/ctl-show.h */
