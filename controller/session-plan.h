/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_SESSION_PLAN_H
#define TMIRROR_SESSION_PLAN_H 1

/* What this chassis must do for one Session row: its part ("role"), the
 * validated rules of its filter, where its copies go, or why it cannot be
 * mirrored here.  Computed from the rows alone (and the local Open_vSwitch
 * index), without ofports: mirror-plan.h adds those.
 *
 * Everything is copied out of the IDL rows, so that a plan outlives the
 * rows it was made from and two plans can be compared. */

#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/uuid.h"
#include "controller/rule-set.h"
#include "tmirror/validate.h"

struct ovs_index;
struct ovsdb_idl;
struct ovsdb_idl_index;
struct tmrec_session;

enum plan_state {
    PLAN_ACTIVE,                /* Programmed (or plannable, in phase 1). */
    PLAN_PENDING,               /* Waiting, or disabled; see message. */
    PLAN_ERROR,                 /* Cannot be mirrored here; see message. */
};
const char *plan_state_to_string(enum plan_state);

enum plan_role {
    PLAN_ROLE_NONE,             /* Does not concern this chassis. */
    PLAN_ROLE_SOURCE,           /* Its source is here: capture, deliver. */
    PLAN_ROLE_DECAP,            /* Its appliance is here, its source is
                                 * not: deliver what arrives by tunnel. */
};

enum plan_delivery {
    PLAN_DELIVER_NONE,
    PLAN_DELIVER_APPLIANCE,     /* A port target on this mirror bridge. */
    PLAN_DELIVER_TUNNEL,        /* An ip target, or a port target on
                                 * another chassis (GENEVE to it). */
};


struct session_plan {
    struct uuid uuid;
    uint32_t key;               /* tm_session_key(&uuid). */
    char *name;
    char *source;               /* iface-id. */
    int64_t number;
    bool enabled;
    bool independent;           /* Session.independent. */
    struct uuid filter_uuid, target_uuid;
    char *filter_name;          /* NULL until the filter is loaded. */

    enum plan_role role;
    enum plan_state state;      /* PLAN_ACTIVE: plannable here. */
    char *message;              /* "" when none. */

    /* The filter's rules, by (direction, rule_number): those of
     * 'rule_set' (NULL until the rules are known to be valid). */
    struct rule_set *rule_set;
    const struct plan_rule *rules;
    size_t n_rules;
    bool wants_egress, wants_ingress;

    /* Where copies go (PLAN_ROLE_SOURCE), or what arrives (DECAP). */
    enum plan_delivery delivery;
    char *target_name;
    char *appliance;            /* Port targets: the appliance's iface-id. */
    char *encap;                /* Tunnels: vxlan, geneve, gre, erspan. */
    int erspan_ver;
    int dst_port;               /* 0: the encapsulation's default. */
    char **addresses;           /* Tunnels: collector addresses, or the
                                 * remote chassis's encap_ip. */
    size_t n_addresses;
    char *remote_chassis;       /* Appliance's chassis (port target
                                 * elsewhere) or source's (DECAP); or NULL. */
    int64_t vni;
    int packet_length;          /* 0: whole frames. */
};

/* What planning a session needs to know about this chassis. */
struct plan_context {
    const struct ovsdb_idl *tm_idl;
    const struct ovs_index *ovs;
    const char *bridge;         /* Mirror bridge. */
    const char *chassis_name;
    const char *availability_zone;  /* "" if none. */
    bool allow_cross_zone;      /* TM_Global options:allow_cross_zone. */
    struct ovsdb_idl_index *binding_by_port;
    struct ovsdb_idl_index *chassis_by_name;
    struct rule_set_cache *rule_sets;   /* Shared rule sets; NULL: every
                                         * plan builds its own. */
};

/* Fills 'sp' (zeroed first) for Session 'row'. */
/* A row that a session references and that the IDL does not hold yet:
 * with conditional monitoring, a row that just became referenced (a rule
 * added to a filter, a session moved to another filter or target) arrives
 * one condition change after the reference.  'kind' is 'f' (Filter), 't'
 * (Target) or 'r' (Filter_Rule). */
struct plan_missing_ref {
    char kind;
    struct uuid uuid;
};

/* Sets '*refs' to a new array of what Session 'row' references and the IDL
 * does not hold, and returns its size (0: nothing missing). */
size_t session_plan_missing_refs(const struct tmrec_session *,
                                 struct plan_missing_ref **refs);

/* Returns the Session row with 'uuid' that the IDL holds (neither deleted
 * nor a placeholder for a row no longer monitored), or NULL. */
const struct tmrec_session *session_plan_get_row(const struct ovsdb_idl *,
                                                 const struct uuid *);

void session_plan_build(const struct plan_context *,
                        const struct tmrec_session *row,
                        struct session_plan *sp);
void session_plan_destroy(struct session_plan *);

/* True if 'a' and 'b' differ in anything but their rules (and message):
 * the flows of every rule depend on these. */
bool session_plan_differs_beyond_rules(const struct session_plan *a,
                                       const struct session_plan *b);
/* True if 'a' and 'b' have the same rules (same UUIDs, same values). */
bool session_plan_same_rules(const struct session_plan *a,
                             const struct session_plan *b);
/* True if rule 'i' of 'a' has the same UUID and values in 'b'. */
bool session_plan_rule_unchanged(const struct session_plan *a, size_t i,
                                 const struct session_plan *b);

/* Returns the rule of 'sp' with 'uuid', or NULL. */
const struct plan_rule *session_plan_find_rule(const struct session_plan *,
                                               const struct uuid *);

/* True if 'sp''s copies need a select group (several collectors). */
bool session_plan_uses_group(const struct session_plan *);

#endif /* session-plan.h */
