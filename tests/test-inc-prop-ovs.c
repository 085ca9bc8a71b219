/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The random operations of the property test on the Open_vSwitch
 * database: VM ports moved between br-int and br-int2, renamed, retagged,
 * given another iface-id, deleted and re-added; the appliance port app2
 * moved on and off the mirror bridge.  And the check of which sessions
 * have a Session_Status row of this chassis.  See test-inc-prop.h. */

#include <config.h>

#include "tests/test-inc-prop.h"

#include <stdlib.h>
#include <string.h>

#include "ovsdb-idl.h"
#include "smap.h"
#include "sset.h"
#include "tmirror-idl.h"
#include "util.h"
#include "uuid.h"
#include "vswitch-idl.h"

/* The iface-ids of the VM ports; vm5 starts without a port. */
static const char *const vm_ids[] = { "vm1", "vm2", "vm3", "vm4", "vm5" };
static const char *const int_bridges[] = { "br-int", "br-int2" };

/* Returns the bridge named 'name', or NULL. */
static const struct ovsrec_bridge *
find_bridge(const struct prop *p, const char *name)
{
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH (br, p->ovs) {
        if (!strcmp(br->name, name)) {
            return br;
        }
    }
    return NULL;
}

/* A port that the operations manage: its bridge, port, interface. */
struct managed_port {
    const struct ovsrec_bridge *br;
    const struct ovsrec_port *port;
    const struct ovsrec_interface *iface;
    const char *iface_id;
};

/* Finds the port (not tmirror's) whose interface has 'iface_id', on any
 * bridge.  Returns false if there is none. */
static bool
find_managed(const struct prop *p, const char *iface_id,
             struct managed_port *mp)
{
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH (br, p->ovs) {
        for (size_t i = 0; i < br->n_ports; i++) {
            const struct ovsrec_port *port = br->ports[i];
            for (size_t j = 0; j < port->n_interfaces; j++) {
                const struct ovsrec_interface *iface = port->interfaces[j];
                const char *id = smap_get(&iface->external_ids, "iface-id");
                if (id && !strcmp(id, iface_id)
                    && !smap_get(&iface->external_ids, "tmirror-owned")) {
                    *mp = (struct managed_port) { br, port, iface, id };
                    return true;
                }
            }
        }
    }
    return false;
}

/* Adds port 'name' with iface-id 'iface_id' to 'br'. */
static void
add_port(struct ovsdb_idl_txn *txn, const struct ovsrec_bridge *br,
         const char *name, const char *iface_id, const int64_t *tag,
         size_t n_tag)
{
    struct ovsrec_interface *iface = ovsrec_interface_insert(txn);
    ovsrec_interface_set_name(iface, name);
    ovsrec_interface_set_type(iface, "dummy");
    struct smap ids = SMAP_INITIALIZER(&ids);
    smap_add(&ids, "iface-id", iface_id);
    ovsrec_interface_set_external_ids(iface, &ids);
    smap_destroy(&ids);

    struct ovsrec_port *port = ovsrec_port_insert(txn);
    ovsrec_port_set_name(port, name);
    ovsrec_port_set_interfaces(port, &iface, 1);
    ovsrec_port_set_tag(port, tag, n_tag);
    ovsrec_bridge_update_ports_addvalue(br, port);
}

/* Returns a fresh port name for 'iface_id'. */
static char *
fresh_port_name(struct prop *p, const char *iface_id)
{
    return xasprintf("%s-p%u", iface_id, ++p->serial);
}

/* Moves 'mp' to bridge 'to' (a new Port and Interface of the same name). */
static void
move_port(struct ovsdb_idl_txn *txn, const struct managed_port *mp,
          const struct ovsrec_bridge *to)
{
    ovsrec_bridge_update_ports_delvalue(mp->br, mp->port);
    add_port(txn, to, mp->port->name, mp->iface_id, mp->port->tag,
             mp->port->n_tag);
}

/* One operation on the VM port of a random iface-id. */
static bool
op_vm_port(struct prop *p, struct ovsdb_idl_txn *txn)
{
    const char *id = vm_ids[prop_random(p, ARRAY_SIZE(vm_ids))];
    const struct ovsrec_bridge *br
        = find_bridge(p, int_bridges[prop_random(p, 2)]);
    struct managed_port mp;
    if (!br) {
        return false;
    }
    if (!find_managed(p, id, &mp)) {
        char *name = fresh_port_name(p, id);
        add_port(txn, br, name, id, NULL, 0);
        prop_describe(p, "port-add %s iface-id=%s on %s", name, id,
                      br->name);
        free(name);
        return true;
    }
    switch (prop_random(p, 6)) {
    case 0: {
        const struct ovsrec_bridge *to = find_bridge(
            p, strcmp(mp.br->name, "br-int") ? "br-int" : "br-int2");
        move_port(txn, &mp, to);
        prop_describe(p, "port-move %s %s -> %s", mp.port->name,
                      mp.br->name, to->name);
        break;
    }
    case 1: {
        char *name = fresh_port_name(p, id);
        ovsrec_bridge_update_ports_delvalue(mp.br, mp.port);
        add_port(txn, mp.br, name, id, mp.port->tag, mp.port->n_tag);
        prop_describe(p, "port-rename %s -> %s", mp.port->name, name);
        free(name);
        break;
    }
    case 2: {
        int64_t tag = 10 * (1 + prop_random(p, 2));
        bool set = prop_chance(p, 60);
        ovsrec_port_set_tag(mp.port, &tag, set);
        prop_describe(p, "port-tag %s %"PRId64, mp.port->name,
                      set ? tag : 0);
        break;
    }
    case 3: {
        const char *other = vm_ids[prop_random(p, ARRAY_SIZE(vm_ids))];
        struct managed_port taken;
        if (find_managed(p, other, &taken)) {
            return false;
        }
        ovsrec_interface_update_external_ids_setkey(mp.iface, "iface-id",
                                                    other);
        prop_describe(p, "port-retag %s iface-id %s -> %s", mp.port->name,
                      id, other);
        break;
    }
    default:
        ovsrec_bridge_update_ports_delvalue(mp.br, mp.port);
        prop_describe(p, "port-del %s (iface-id %s) from %s", mp.port->name,
                      id, mp.br->name);
        break;
    }
    return true;
}

/* One operation on the appliance port app2: on the mirror bridge, on
 * br-int, or nowhere. */
static bool
op_appliance(struct prop *p, struct ovsdb_idl_txn *txn)
{
    const struct ovsrec_bridge *mirror = find_bridge(p, PROP_MIRROR_BRIDGE);
    const struct ovsrec_bridge *br_int = find_bridge(p, "br-int");
    struct managed_port mp;
    if (!mirror || !br_int) {
        return false;
    }
    if (!find_managed(p, "app2", &mp)) {
        char *name = fresh_port_name(p, "app2");
        const struct ovsrec_bridge *to = prop_chance(p, 80) ? mirror : br_int;
        add_port(txn, to, name, "app2", NULL, 0);
        prop_describe(p, "appliance-add %s on %s", name, to->name);
        free(name);
    } else if (prop_chance(p, 50)) {
        const struct ovsrec_bridge *to = mp.br == mirror ? br_int : mirror;
        move_port(txn, &mp, to);
        prop_describe(p, "appliance-move %s %s -> %s", mp.port->name,
                      mp.br->name, to->name);
    } else {
        ovsrec_bridge_update_ports_delvalue(mp.br, mp.port);
        prop_describe(p, "appliance-del %s from %s", mp.port->name,
                      mp.br->name);
    }
    return true;
}

/* Adds one random operation.  See test-inc-prop.h. */
bool
prop_ovs_op(struct prop *p, struct ovsdb_idl_txn *txn)
{
    return (prop_chance(p, 75) ? op_vm_port(p, txn) : op_appliance(p, txn));
}

/* Writes the starting ports.  See test-inc-prop.h. */
void
prop_setup_ovs(struct prop *p, struct ovsdb_idl_txn *txn)
{
    const struct ovsrec_bridge *br_int = find_bridge(p, "br-int");
    const struct ovsrec_bridge *mirror = find_bridge(p, PROP_MIRROR_BRIDGE);
    if (!br_int || !mirror) {
        ovs_fatal(0, "br-int and %s must exist", PROP_MIRROR_BRIDGE);
    }
    for (size_t i = 0; i + 1 < ARRAY_SIZE(vm_ids); i++) {
        add_port(txn, br_int, vm_ids[i], vm_ids[i], NULL, 0);
    }
    add_port(txn, mirror, "app2", "app2", NULL, 0);
}

/* Collects into 'sources' the iface-ids of the VM ports here, and into
 * 'appliances' those of the NICs on the mirror bridge that have an
 * OpenFlow port. */
static void
collect_local_ports(const struct prop *p, struct sset *sources,
                    struct sset *appliances)
{
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH (br, p->ovs) {
        bool mirror = !strcmp(br->name, PROP_MIRROR_BRIDGE);
        for (size_t i = 0; i < br->n_ports; i++) {
            const struct ovsrec_port *port = br->ports[i];
            for (size_t j = 0; j < port->n_interfaces; j++) {
                const struct ovsrec_interface *iface = port->interfaces[j];
                const char *id = smap_get(&iface->external_ids, "iface-id");
                if (!id || smap_get(&iface->external_ids, "tmirror-owned")) {
                    continue;
                }
                if (!mirror) {
                    sset_add(sources, id);
                } else if (iface->n_ofport && iface->ofport[0] > 0) {
                    sset_add(appliances, id);
                }
            }
        }
    }
}

/* Returns the UUID of the session that 'row' names. */
static struct uuid
status_session(const struct tmrec_session_status *row)
{
    const struct ovsdb_datum *d = ovsdb_idl_read(
        &row->header_, &tmrec_session_status_col_session);
    return d && d->n ? d->keys[0].uuid : UUID_ZERO;
}

/* Checks which sessions have a row of this chassis.  See
 * test-inc-prop.h. */
size_t
prop_check_status_rows(const struct prop *p, struct ds *s)
{
    struct sset sources = SSET_INITIALIZER(&sources);
    struct sset appliances = SSET_INITIALIZER(&appliances);
    collect_local_ports(p, &sources, &appliances);

    size_t n = 0;
    const struct tmrec_session *session;
    TMREC_SESSION_FOR_EACH (session, p->tm) {
        const struct tmrec_target *t = session->target;
        bool concerns = (sset_contains(&sources, session->source)
                         || (t && !strcmp(t->type, "port") && t->port
                             && sset_contains(&appliances, t->port)));
        size_t rows = 0;
        const struct tmrec_session_status *st;
        TMREC_SESSION_STATUS_FOR_EACH (st, p->tm) {
            struct uuid uuid = status_session(st);
            rows += (!strcmp(st->chassis_name, PROP_CHASSIS)
                     && uuid_equals(&uuid, &session->header_.uuid));
        }
        if (rows != concerns) {
            ds_put_format(s, "  session %s (source %s, target %s): %"PRIuSIZE
                          " Session_Status rows of %s, expected %d\n",
                          session->name, session->source,
                          t ? t->name : "(none)", rows, PROP_CHASSIS,
                          concerns);
            n++;
        }
    }
    sset_destroy(&sources);
    sset_destroy(&appliances);
    return n;
}
