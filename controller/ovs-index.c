/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/ovs-index.h"

#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "openvswitch/dynamic-string.h"
#include "flow.h"
#include "openflow/openflow.h"
#include "smap.h"
#include "util.h"
#include "uuid.h"
#include "vswitch-idl.h"

COVERAGE_DEFINE(ovs_index_build);

/* Initializes an empty index. */
void
ovs_index_init(struct ovs_index *idx)
{
    idx->bridge = NULL;
    shash_init(&idx->sources);
    shash_init(&idx->appliances);
    sset_init(&idx->changed_sources);
    sset_init(&idx->changed_appliances);
}

/* Frees one source entry. */
static void
ovs_source_free(struct ovs_source *src)
{
    if (src) {
        free(src->signature);
        free(src);
    }
}

/* Frees the entries of a sources map. */
static void
sources_clear(struct shash *sources)
{
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, sources) {
        ovs_source_free(node->data);
        shash_delete(sources, node);
    }
}

/* Frees 'idx'. */
void
ovs_index_destroy(struct ovs_index *idx)
{
    sources_clear(&idx->sources);
    shash_destroy(&idx->sources);
    shash_destroy(&idx->appliances);
    sset_destroy(&idx->changed_sources);
    sset_destroy(&idx->changed_appliances);
    free(idx->bridge);
}

/* Returns an Interface's OpenFlow port number, 0 if not known. */
static int64_t
iface_ofport(const struct ovsrec_interface *iface)
{
    return iface->n_ofport && iface->ofport[0] > 0 ? iface->ofport[0] : 0;
}

/* True if 'a' is a better source Interface than 'b' for one iface-id. */
static bool
source_better(const struct ovsrec_interface *a,
              const struct ovsrec_interface *b)
{
    const char *sa = smap_get(&a->external_ids, "iface-status");
    const char *sb = smap_get(&b->external_ids, "iface-status");
    bool a_active = sa && !strcmp(sa, "active");
    bool b_active = sb && !strcmp(sb, "active");
    if (a_active != b_active) {
        return a_active;
    }
    int64_t oa = iface_ofport(a) ? iface_ofport(a) : INT64_MAX;
    int64_t ob = iface_ofport(b) ? iface_ofport(b) : INT64_MAX;
    if (oa != ob) {
        return oa < ob;
    }
    return strcmp(a->name, b->name) < 0;
}

/* Returns what a consumer of a source entry depends on, as a string: the
 * rows (by UUID) and the settings copied from them. */
static char *
source_signature(const struct ovs_source *src)
{
    const struct ovsrec_port *p = src->port;
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, UUID_FMT" "UUID_FMT" "UUID_FMT" %"PRId64" %s",
                  UUID_ARGS(&src->iface->header_.uuid),
                  UUID_ARGS(&p->header_.uuid), UUID_ARGS(&src->br->header_.uuid),
                  src->ofport, src->br->datapath_type);
    for (size_t i = 0; i < p->n_tag; i++) {
        ds_put_format(&s, " t%"PRId64, p->tag[i]);
    }
    for (size_t i = 0; i < p->n_trunks; i++) {
        ds_put_format(&s, " k%"PRId64, p->trunks[i]);
    }
    ds_put_format(&s, " %s %s", p->vlan_mode ? p->vlan_mode : "",
                  src->iface->type);
    /* What the choice of capture backend reads (capture.h). */
    const struct ovsrec_interface *i = src->iface;
    ds_put_format(&s, " %s if%"PRId64" pol%"PRId64"/%"PRId64, i->name,
                  i->n_ifindex ? i->ifindex[0] : -1,
                  i->ingress_policing_rate, i->ingress_policing_kpkts_rate);
    return ds_steal_cstr(&s);
}

/* Adds 'iface' of 'port' on 'br' as a candidate source. */
static void
index_source(struct shash *sources, const struct ovsrec_interface *iface,
             const struct ovsrec_port *port, const struct ovsrec_bridge *br)
{
    const char *iface_id = smap_get(&iface->external_ids, "iface-id");
    if (!iface_id) {
        return;
    }
    struct ovs_source *old = shash_find_data(sources, iface_id);
    if (old && !source_better(iface, old->iface)) {
        return;
    }
    if (!old) {
        old = xzalloc(sizeof *old);
        shash_add(sources, iface_id, old);
    }
    old->iface = iface;
    old->port = port;
    old->br = br;
    old->ofport = iface_ofport(iface);
}

/* Adds the appliance NICs of mirror bridge 'br' to 'appliances' (the lowest
 * ofport wins for an iface-id named twice). */
static void
index_appliances(struct shash *appliances, const struct ovsrec_bridge *br)
{
    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        for (size_t j = 0; j < port->n_interfaces; j++) {
            const struct ovsrec_interface *iface = port->interfaces[j];
            const char *iface_id = smap_get(&iface->external_ids,
                                            "iface-id");
            int64_t ofport = iface_ofport(iface);
            if (!iface_id || !ofport) {
                continue;
            }
            intptr_t old = (intptr_t) shash_find_data(appliances, iface_id);
            if (!old) {
                shash_add(appliances, iface_id, (void *) (intptr_t) ofport);
            } else if (ofport < old) {
                shash_replace(appliances, iface_id,
                              (void *) (intptr_t) ofport);
            }
        }
    }
}

/* Records in 'changed' every key whose data differs between 'old' and
 * 'new' according to 'same'. */
static void
diff_maps(const struct shash *old, const struct shash *new,
          bool (*same)(const void *, const void *), struct sset *changed)
{
    const struct shash_node *node;
    SHASH_FOR_EACH (node, new) {
        const void *o = shash_find_data(old, node->name);
        if (!o || !same(o, node->data)) {
            sset_add(changed, node->name);
        }
    }
    SHASH_FOR_EACH (node, old) {
        if (!shash_find(new, node->name)) {
            sset_add(changed, node->name);
        }
    }
}

/* Compares two source entries by signature. */
static bool
same_source(const void *a_, const void *b_)
{
    const struct ovs_source *a = a_, *b = b_;
    return !strcmp(a->signature, b->signature);
}

/* Compares two appliance ofports. */
static bool
same_ofport(const void *a, const void *b)
{
    return a == b;
}

/* Rebuilds the index.  See ovs-index.h. */
bool
ovs_index_build(struct ovs_index *idx, const struct ovsdb_idl *idl,
                const char *bridge)
{
    struct shash sources = SHASH_INITIALIZER(&sources);
    struct shash appliances = SHASH_INITIALIZER(&appliances);
    COVERAGE_INC(ovs_index_build);

    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH (br, idl) {
        if (!strcmp(br->name, bridge)) {
            index_appliances(&appliances, br);
            continue;
        }
        for (size_t i = 0; i < br->n_ports; i++) {
            const struct ovsrec_port *port = br->ports[i];
            for (size_t j = 0; j < port->n_interfaces; j++) {
                index_source(&sources, port->interfaces[j], port, br);
            }
        }
    }
    struct shash_node *node;
    SHASH_FOR_EACH (node, &sources) {
        struct ovs_source *src = node->data;
        src->signature = source_signature(src);
    }

    bool bridge_changed = !idx->bridge || strcmp(idx->bridge, bridge);
    if (bridge_changed) {
        free(idx->bridge);
        idx->bridge = xstrdup(bridge);
    }
    diff_maps(&idx->sources, &sources, same_source, &idx->changed_sources);
    diff_maps(&idx->appliances, &appliances, same_ofport,
              &idx->changed_appliances);

    sources_clear(&idx->sources);
    shash_swap(&idx->sources, &sources);
    shash_destroy(&sources);
    shash_swap(&idx->appliances, &appliances);
    shash_destroy(&appliances);

    return (bridge_changed || !sset_is_empty(&idx->changed_sources)
            || !sset_is_empty(&idx->changed_appliances));
}

/* Forgets what changed. */
void
ovs_index_clear_tracked(struct ovs_index *idx)
{
    sset_clear(&idx->changed_sources);
    sset_clear(&idx->changed_appliances);
}

/* Returns the source with 'iface_id', or NULL. */
const struct ovs_source *
ovs_index_find_source(const struct ovs_index *idx, const char *iface_id)
{
    return shash_find_data(&idx->sources, iface_id);
}

/* Returns the ofport of appliance 'iface_id' on the mirror bridge. */
ofp_port_t
ovs_index_find_appliance(const struct ovs_index *idx, const char *iface_id)
{
    intptr_t ofport = (intptr_t) shash_find_data(&idx->appliances, iface_id);
    return ofport ? u16_to_ofp(ofport) : OFPP_NONE;
}
