/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_JSON_H
#define TMIRROR_CTL_JSON_H 1

/* tmirror-ctl "export" and "apply": the whole configuration as one JSON
 * document (the format is described at the top of ctl-json.c and in
 * tmirror-ctl(8)).
 *
 * Two layers:
 *
 *   - A pure one, usable without a database: ctl_json_doc_parse() reads and
 *     validates a document into a 'struct ctl_json_doc', refusing a bad one
 *     with the JSON path of the offending value; ctl_json_doc_format() turns
 *     a document back into canonical, pretty-printed JSON text.
 *
 *   - The tmirror-ctl commands (ctl_json_register_commands()), which build a
 *     document from the IDL ("export") or make the database match one
 *     ("apply"). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smap.h"

/* Document version written by "export" and the only one "apply" accepts. */
#define CTL_JSON_VERSION 1

/* One Filter_Rule. */
struct ctl_json_rule {
    char *direction;                /* "ingress" or "egress". */
    int64_t number;                 /* rule_number, 1..32766. */
    char *action;                   /* "accept" or "reject". */
    bool has_protocol;
    int64_t protocol;               /* 0..255. */
    char *source_cidr;              /* Canonical CIDR, or NULL for any. */
    char *destination_cidr;         /* Canonical CIDR, or NULL for any. */
    bool has_source_port;
    int64_t source_port_from, source_port_to;
    bool has_destination_port;
    int64_t destination_port_from, destination_port_to;
    char *description;              /* Never NULL. */
    struct smap external_ids;
};

/* One Filter with its rules. */
struct ctl_json_filter {
    char *name;
    char *description;              /* Never NULL. */
    struct smap external_ids;
    struct ctl_json_rule *rules;
    size_t n_rules;
};

/* One Target. */
struct ctl_json_target {
    char *name;
    char *type;                     /* "port" or "ip". */
    char *port;                     /* iface-id, or NULL. */
    char **addresses;               /* Sorted. */
    size_t n_addresses;
    char *encap;                    /* NULL if unset. */
    struct smap options;            /* dst_port, erspan_ver, ... */
    char *description;              /* Never NULL. */
    struct smap external_ids;
};

/* One Session.  'target' and 'filter' name objects of the same document. */
struct ctl_json_session {
    char *name;
    char *source;                   /* iface-id. */
    char *target;
    char *filter;
    int64_t number;                 /* session_number, 1..32766. */
    int64_t vni;                    /* -1: none given, assign one. */
    int64_t packet_length;          /* -1: none. */
    bool enabled;
    char *description;              /* Never NULL. */
    struct smap external_ids;
};

/* A whole document.  TM_Global's maps are only applied when present. */
struct ctl_json_doc {
    bool has_options;
    struct smap options;            /* TM_Global options. */
    bool has_external_ids;
    struct smap external_ids;       /* TM_Global external_ids. */

    struct ctl_json_filter *filters;
    size_t n_filters;
    struct ctl_json_target *targets;
    size_t n_targets;
    struct ctl_json_session *sessions;
    size_t n_sessions;
};

void ctl_json_doc_init(struct ctl_json_doc *);
void ctl_json_doc_destroy(struct ctl_json_doc *);

/* Parses and validates the JSON text 'text' into 'doc', which the caller has
 * initialized with ctl_json_doc_init() and must destroy in any case.
 * Returns NULL on success, otherwise a malloc()'d message: "line L, column
 * C: ..." for a syntax error, "$.path: ..." for a bad value. */
char *ctl_json_doc_parse(const char *text, struct ctl_json_doc *doc);

/* Sorts 'doc' into canonical order: filters, targets and sessions by name,
 * rules by direction (ingress first) then number, addresses as strings. */
void ctl_json_doc_sort(struct ctl_json_doc *doc);

/* Returns 'doc' as a malloc()'d JSON text: object keys sorted, indented by
 * two spaces, ending in a new-line.  Arrays are written in 'doc''s order
 * (call ctl_json_doc_sort() first for the canonical form). */
char *ctl_json_doc_format(const struct ctl_json_doc *doc);

/* Registers the "export" and "apply" commands with db-ctl-base. */
void ctl_json_register_commands(void);

#endif /* utilities/ctl-json.h */
