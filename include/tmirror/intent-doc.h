/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_INTENT_DOC_H
#define TMIRROR_INTENT_DOC_H 1

/* The whole configuration as one JSON document, in memory: what "tmirror-ctl
 * export" writes and "tmirror-ctl apply" reads (the format is described at
 * the top of lib/intent-doc.c and in tmirror-ctl(8)).
 *
 * This layer touches no database: intent_doc_parse() reads and validates a
 * document into plain C structures, refusing a bad one with the JSON path of
 * the offending value; intent_doc_format() turns one back into canonical,
 * pretty-printed JSON text.  Building a document from the database and
 * applying one to it are the callers' business (utilities/ctl-export.c and
 * utilities/ctl-apply.c for tmirror-ctl).
 *
 * The implementation uses jansson; this header needs neither jansson's nor
 * OVS's JSON headers, so any program may include it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smap.h"

/* Document version written by "export" and the only one "apply" accepts. */
#define INTENT_DOC_VERSION 1

/* One Filter_Rule. */
struct intent_doc_rule {
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
    char *vlan;                     /* VLAN set as written, or NULL. */
    char *description;              /* Never NULL. */
    struct smap external_ids;
};

/* One Filter with its rules. */
struct intent_doc_filter {
    char *name;
    char *description;              /* Never NULL. */
    struct smap external_ids;
    struct intent_doc_rule *rules;
    size_t n_rules;
};

/* One Target. */
struct intent_doc_target {
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

/* One Session.  'target' and 'filter' name objects of the same document or,
 * when parsed with intent_doc_refs, of the database. */
struct intent_doc_session {
    char *name;
    char *source;                   /* iface-id. */
    char *target;
    char *filter;
    int64_t number;                 /* session_number, 1..32766. */
    int64_t vni;                    /* -1: none given, assign one. */
    int64_t packet_length;          /* -1: none. */
    bool enabled;
    bool independent;               /* Default false. */
    char *description;              /* Never NULL. */
    struct smap external_ids;
};

/* A whole document.  TM_Global's maps are only applied when present. */
struct intent_doc {
    bool has_options;
    struct smap options;            /* TM_Global options. */
    bool has_external_ids;
    struct smap external_ids;       /* TM_Global external_ids. */

    struct intent_doc_filter *filters;
    size_t n_filters;
    struct intent_doc_target *targets;
    size_t n_targets;
    struct intent_doc_session *sessions;
    size_t n_sessions;
};

void intent_doc_init(struct intent_doc *);
void intent_doc_destroy(struct intent_doc *);

/* Initialize one object with no values (descriptions "", a session's
 * defaults), for a caller that fills a document itself; the document's
 * intent_doc_destroy() frees them. */
void intent_doc_rule_init(struct intent_doc_rule *);
void intent_doc_filter_init(struct intent_doc_filter *);
void intent_doc_target_init(struct intent_doc_target *);
void intent_doc_session_init(struct intent_doc_session *);

/* Return the filter or target named 'name' in 'doc', or NULL. */
const struct intent_doc_filter *intent_doc_find_filter(
    const struct intent_doc *doc, const char *name);
const struct intent_doc_target *intent_doc_find_target(
    const struct intent_doc *doc, const char *name);

/* The targets and filters outside a document (in the database) that its
 * sessions may name.  The parser calls these with 'aux' for a name that the
 * document itself does not define. */
struct intent_doc_refs {
    /* Returns true if there is a target named 'name', and sets '*type' to
     * its type and '*encap' to its encap (NULL if unset); the strings must
     * live as long as the parse. */
    bool (*find_target)(const void *aux, const char *name, const char **type,
                        const char **encap);
    /* Returns true if there is a filter named 'name'. */
    bool (*find_filter)(const void *aux, const char *name);
    const void *aux;
};

/* Return true if a session of 'doc' names the target, or the filter,
 * 'name': what "apply --prune" (and PUT /v1/config?prune=true) keeps of the
 * database's objects that the document does not define. */
bool intent_doc_uses_target(const struct intent_doc *doc, const char *name);
bool intent_doc_uses_filter(const struct intent_doc *doc, const char *name);

/* Parses and validates the JSON text 'text' into 'doc', which the caller has
 * initialized with intent_doc_init() and must destroy in any case.  A
 * session's target and filter are looked up in the document, then through
 * 'refs' (NULL: the document only), and the session is checked against
 * that target (an ERSPAN target takes VNIs up to 1023).
 *
 * Returns NULL on success, otherwise a malloc()'d message: "JSON syntax
 * error at line L, column C: ..." for a syntax error, "$.path: ..." for a
 * bad value, a key given twice or a number too large for jansson. */
char *intent_doc_parse(const char *text, const struct intent_doc_refs *refs,
                       struct intent_doc *doc);

/* Sorts 'doc' into canonical order: filters, targets and sessions by name,
 * rules by direction (ingress first) then number, addresses as strings. */
void intent_doc_sort(struct intent_doc *doc);

/* Returns 'doc' as a malloc()'d JSON text: object keys sorted, indented by
 * two spaces, ending in a new-line.  Arrays are written in 'doc''s order
 * (call intent_doc_sort() first for the canonical form). */
char *intent_doc_format(const struct intent_doc *doc);

#endif /* tmirror/intent-doc.h */
