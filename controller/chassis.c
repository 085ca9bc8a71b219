/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/chassis.h"

#include "openvswitch/vlog.h"
#include "sset.h"
#include "tmirror-idl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(chassis);

/* The encapsulations every chassis can send. */
static const char *chassis_encaps[] = {
    "erspan", "geneve", "gre", "vxlan",
};

/* Returns this chassis's row, or NULL. */
static const struct tmrec_chassis *
chassis_find(struct ovsdb_idl *tm_idl, const char *name)
{
    const struct tmrec_chassis *row;
    TMREC_CHASSIS_FOR_EACH (row, tm_idl) {
        if (!strcmp(row->name, name)) {
            return row;
        }
    }
    return NULL;
}

/* Sets a string column through 'setter' if its value differs. */
static void
chassis_set_string(const struct tmrec_chassis *row, const char *old,
                   const char *new,
                   void (*setter)(const struct tmrec_chassis *,
                                  const char *))
{
    if (strcmp(old, new)) {
        setter(row, new);
    }
}

/* Creates or updates this chassis's row. */
const struct tmrec_chassis *
chassis_run(struct ovsdb_idl *tm_idl, struct ovsdb_idl_txn *txn,
            const struct chassis_config *cfg, int64_t installed_cfg)
{
    const struct tmrec_chassis *row = chassis_find(tm_idl, cfg->name);
    if (!txn) {
        return row;
    }
    if (!row) {
        VLOG_INFO("registering chassis %s", cfg->name);
        row = tmrec_chassis_insert(txn);
        tmrec_chassis_set_name(row, cfg->name);
        tmrec_chassis_set_encaps(row, chassis_encaps,
                                 ARRAY_SIZE(chassis_encaps));
    }
    chassis_set_string(row, row->hostname ? row->hostname : "",
                       cfg->hostname, tmrec_chassis_set_hostname);
    chassis_set_string(row, row->encap_ip ? row->encap_ip : "",
                       cfg->encap_ip, tmrec_chassis_set_encap_ip);
    chassis_set_string(row, (row->availability_zone
                             ? row->availability_zone : ""),
                       cfg->availability_zone,
                       tmrec_chassis_set_availability_zone);
    if (row->n_encaps != ARRAY_SIZE(chassis_encaps)) {
        tmrec_chassis_set_encaps(row, chassis_encaps,
                                 ARRAY_SIZE(chassis_encaps));
    }
    if (installed_cfg >= 0 && row->cfg != installed_cfg) {
        tmrec_chassis_set_cfg(row, installed_cfg);
    }
    return row;
}

/* Makes this chassis's Binding rows name exactly 'ports'. */
void
binding_run(struct ovsdb_idl *tm_idl, struct ovsdb_idl_txn *txn,
            const char *chassis_name, const struct sset *ports)
{
    if (!txn) {
        return;
    }
    struct sset present = SSET_INITIALIZER(&present);
    const struct tmrec_binding *row;
    TMREC_BINDING_FOR_EACH (row, tm_idl) {
        if (strcmp(row->chassis_name, chassis_name)) {
            continue;
        }
        if (!sset_contains(ports, row->port)
            || !sset_add(&present, row->port)) {
            tmrec_binding_delete(row);
        }
    }
    const char *port;
    SSET_FOR_EACH (port, ports) {
        if (!sset_contains(&present, port)) {
            row = tmrec_binding_insert(txn);
            tmrec_binding_set_port(row, port);
            tmrec_binding_set_chassis_name(row, chassis_name);
        }
    }
    sset_destroy(&present);
}

/* Deletes every row of this chassis. */
void
chassis_cleanup(struct ovsdb_idl *tm_idl, struct ovsdb_idl_txn *txn,
                const char *chassis_name)
{
    const struct tmrec_chassis *ch, *next_ch;
    TMREC_CHASSIS_FOR_EACH_SAFE (ch, next_ch, tm_idl) {
        if (!strcmp(ch->name, chassis_name)) {
            tmrec_chassis_delete(ch);
        }
    }
    const struct tmrec_binding *b, *next_b;
    TMREC_BINDING_FOR_EACH_SAFE (b, next_b, tm_idl) {
        if (!strcmp(b->chassis_name, chassis_name)) {
            tmrec_binding_delete(b);
        }
    }
    const struct tmrec_session_status *s, *next_s;
    TMREC_SESSION_STATUS_FOR_EACH_SAFE (s, next_s, tm_idl) {
        if (!strcmp(s->chassis_name, chassis_name)) {
            tmrec_session_status_delete(s);
        }
    }
}
