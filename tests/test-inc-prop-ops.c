/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The random operations of the property test on the Traffic_Mirror
 * database: rules, filters, targets, sessions, Binding and Chassis rows of
 * other chassis.  Rows are always picked from lists sorted by name, so that
 * a seed replays the same operations whatever UUIDs the rows got.  See
 * test-inc-prop.h. */

#include <config.h>

#include "tests/test-inc-prop.h"

#include <stdlib.h>
#include <string.h>

#include "ovsdb-idl.h"
#include "smap.h"
#include "tmirror-idl.h"
#include "util.h"

#define MAX_FILTERS 8
#define MAX_RULES 8             /* Per filter. */
#define MAX_TARGETS 10
#define MAX_SESSIONS 28

/* Where a session's source may be: vm1..vm5 are iface-ids that the
 * Open_vSwitch operations move around this chassis (vm5 is usually
 * absent), rvm1 is bound to another chassis, rvm2 nowhere. */
static const char *const sources[] = {
    "vm1", "vm2", "vm3", "vm4", "vm5", "vm1", "vm2", "vm3", "rvm1", "rvm2",
};

/* Picking rows deterministically. */

struct pick {
    char *key;                  /* Owned. */
    const void *row;
};

static int
compare_picks(const void *a_, const void *b_)
{
    const struct pick *a = a_, *b = b_;
    return strcmp(a->key, b->key);
}

/* A growing array of picks. */
struct picks {
    struct pick *items;
    size_t n, allocated;
};

static void
picks_add(struct picks *ps, char *key, const void *row)
{
    if (ps->n >= ps->allocated) {
        ps->items = x2nrealloc(ps->items, &ps->allocated, sizeof *ps->items);
    }
    ps->items[ps->n++] = (struct pick) { key, row };
}

/* Returns one of 'ps''s rows at random (in key order), or NULL if there
 * are none, and frees 'ps'. */
static const void *
picks_choose(struct prop *p, struct picks *ps)
{
    const void *row = NULL;
    if (ps->n) {
        qsort(ps->items, ps->n, sizeof *ps->items, compare_picks);
        row = ps->items[prop_random(p, ps->n)].row;
    }
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->items[i].key);
    }
    free(ps->items);
    return row;
}

/* The number of sessions that reference filter 'f' or target 't'. */
static size_t
count_users(const struct prop *p, const struct tmrec_filter *f,
            const struct tmrec_target *t)
{
    size_t n = 0;
    const struct tmrec_session *s;
    TMREC_SESSION_FOR_EACH (s, p->tm) {
        n += (f && s->filter == f) || (t && s->target == t);
    }
    return n;
}

static const struct tmrec_filter *
pick_filter(struct prop *p, bool unused)
{
    struct picks ps = { NULL, 0, 0 };
    const struct tmrec_filter *f;
    TMREC_FILTER_FOR_EACH (f, p->tm) {
        if (!unused || !count_users(p, f, NULL)) {
            picks_add(&ps, xstrdup(f->name), f);
        }
    }
    return picks_choose(p, &ps);
}

static const struct tmrec_target *
pick_target(struct prop *p, bool unused)
{
    struct picks ps = { NULL, 0, 0 };
    const struct tmrec_target *t;
    TMREC_TARGET_FOR_EACH (t, p->tm) {
        if (!unused || !count_users(p, NULL, t)) {
            picks_add(&ps, xstrdup(t->name), t);
        }
    }
    return picks_choose(p, &ps);
}

static const struct tmrec_session *
pick_session(struct prop *p)
{
    struct picks ps = { NULL, 0, 0 };
    const struct tmrec_session *s;
    TMREC_SESSION_FOR_EACH (s, p->tm) {
        picks_add(&ps, xstrdup(s->name), s);
    }
    return picks_choose(p, &ps);
}

/* Picks a rule of any filter; '*fp' is its filter. */
static const struct tmrec_filter_rule *
pick_rule(struct prop *p, const struct tmrec_filter **fp)
{
    struct picks ps = { NULL, 0, 0 };
    const struct tmrec_filter *f;
    TMREC_FILTER_FOR_EACH (f, p->tm) {
        for (size_t i = 0; i < f->n_rules; i++) {
            const struct tmrec_filter_rule *r = f->rules[i];
            picks_add(&ps, xasprintf("%s %s %05"PRId64, f->name,
                                     r->direction, r->rule_number), r);
        }
    }
    const struct tmrec_filter_rule *rule = picks_choose(p, &ps);
    *fp = NULL;
    TMREC_FILTER_FOR_EACH (f, p->tm) {
        for (size_t i = 0; rule && i < f->n_rules; i++) {
            if (f->rules[i] == rule) {
                *fp = f;
            }
        }
    }
    return rule;
}

/* Values. */

/* Returns a fresh name with 'prefix'. */
static char *
fresh_name(struct prop *p, const char *prefix)
{
    return xasprintf("%s%u", prefix, ++p->serial);
}

/* Returns a rule number that 'f' does not use in 'direction'. */
static int64_t
free_rule_number(struct prop *p, const struct tmrec_filter *f,
                 const char *direction)
{
    for (;;) {
        int64_t n = 1 + prop_random(p, 40);
        bool used = false;
        for (size_t i = 0; f && i < f->n_rules; i++) {
            used |= (f->rules[i]->rule_number == n
                     && !strcmp(f->rules[i]->direction, direction));
        }
        if (!used) {
            return n;
        }
    }
}

/* Sets an optional port range: none, or one of a few shapes (single ports,
 * ranges that need several prefixes, everything). */
static void
random_ports(struct prop *p, const struct tmrec_filter_rule *r, bool src,
             struct ds *d)
{
    static const int64_t shapes[][2] = {
        { 80, 80 }, { 443, 443 }, { 1000, 1999 }, { 1024, 2047 },
        { 0, 65535 }, { 5000, 5100 },
    };
    size_t n = prop_chance(p, 50);
    const int64_t *range = shapes[prop_random(p, ARRAY_SIZE(shapes))];
    if (src) {
        tmrec_filter_rule_set_source_port_from(r, &range[0], n);
        tmrec_filter_rule_set_source_port_to(r, &range[1], n);
    } else {
        tmrec_filter_rule_set_destination_port_from(r, &range[0], n);
        tmrec_filter_rule_set_destination_port_to(r, &range[1], n);
    }
    if (n) {
        ds_put_format(d, " %s-port=%"PRId64"-%"PRId64, src ? "src" : "dst",
                      range[0], range[1]);
    }
}

/* Gives rule 'r' random, valid contents (direction and number are the
 * caller's). */
static void
random_rule_contents(struct prop *p, const struct tmrec_filter_rule *r)
{
    static const int64_t protocols[] = { -1, 6, 17, 132, 1, 6, -1 };
    static const char *const v4[] = {
        "10.0.0.0/8", "10.1.2.0/24", "192.0.2.1/32", "0.0.0.0/0",
    };
    static const char *const v6[] = {
        "2001:db8::/32", "2001:db8:1::/48", "::/0",
    };
    struct ds d = DS_EMPTY_INITIALIZER;

    const char *action = prop_chance(p, 70) ? "accept" : "reject";
    tmrec_filter_rule_set_action(r, action);
    ds_put_cstr(&d, action);

    int64_t proto = protocols[prop_random(p, ARRAY_SIZE(protocols))];
    tmrec_filter_rule_set_protocol(r, &proto, proto >= 0);
    if (proto >= 0) {
        ds_put_format(&d, " protocol=%"PRId64, proto);
    }
    bool has_ports = proto == 6 || proto == 17 || proto == 132;
    if (has_ports) {
        random_ports(p, r, true, &d);
        random_ports(p, r, false, &d);
    } else {
        tmrec_filter_rule_set_source_port_from(r, NULL, 0);
        tmrec_filter_rule_set_source_port_to(r, NULL, 0);
        tmrec_filter_rule_set_destination_port_from(r, NULL, 0);
        tmrec_filter_rule_set_destination_port_to(r, NULL, 0);
    }

    bool six = prop_chance(p, 25);
    const char *const *cidrs = six ? v6 : v4;
    size_t n_cidrs = six ? ARRAY_SIZE(v6) : ARRAY_SIZE(v4);
    const char *src = (prop_chance(p, 50)
                       ? cidrs[prop_random(p, n_cidrs)] : NULL);
    const char *dst = (prop_chance(p, 50)
                       ? cidrs[prop_random(p, n_cidrs)] : NULL);
    tmrec_filter_rule_set_source_cidr(r, src);
    tmrec_filter_rule_set_destination_cidr(r, dst);
    if (src) {
        ds_put_format(&d, " src=%s", src);
    }
    if (dst) {
        ds_put_format(&d, " dst=%s", dst);
    }
    prop_describe(p, " %s", ds_cstr(&d));
    ds_destroy(&d);
}

/* Adds a rule with random contents to 'f'. */
static void
add_rule(struct prop *p, struct ovsdb_idl_txn *txn,
         const struct tmrec_filter *f)
{
    const char *direction = prop_chance(p, 50) ? "ingress" : "egress";
    int64_t number = free_rule_number(p, f, direction);
    struct tmrec_filter_rule *r = tmrec_filter_rule_insert(txn);
    tmrec_filter_rule_set_direction(r, direction);
    tmrec_filter_rule_set_rule_number(r, number);
    prop_describe(p, " rule %s %"PRId64, direction, number);
    random_rule_contents(p, r);
    tmrec_filter_update_rules_addvalue(f, r);
}

/* Gives target 't' a random kind and addresses: appliances here (app1,
 * app2), on other chassis (app3) or nowhere (app4); collectors over each
 * encapsulation, a collector group, an unreachable collector. */
static void
random_target(struct prop *p, const struct tmrec_target *t)
{
    static const char *const appliances[] = { "app1", "app2", "app3",
                                              "app4" };
    struct smap options = SMAP_INITIALIZER(&options);
    const char *addrs[3];
    size_t n_addrs = 0;
    const char *encap = NULL;
    unsigned int kind = prop_random(p, 11);

    if (kind < 4) {
        const char *app = appliances[kind];
        tmrec_target_set_type(t, "port");
        tmrec_target_set_port(t, app);
        prop_describe(p, " port %s", app);
    } else {
        switch (kind) {
        case 4: case 5:
            encap = prop_chance(p, 50) ? "vxlan" : "geneve";
            addrs[n_addrs++] = encap[0] == 'v' ? "192.168.50.3"
                                               : "192.168.50.4";
            if (prop_chance(p, 30)) {
                smap_add(&options, "dst_port", encap[0] == 'v' ? "4790"
                                                               : "6082");
            }
            break;
        case 6:
            encap = "gre";
            addrs[n_addrs++] = "192.168.50.5";
            break;
        case 7:
            encap = "erspan";
            addrs[n_addrs++] = "192.168.50.6";
            smap_add(&options, "erspan_ver", prop_chance(p, 50) ? "1" : "2");
            break;
        case 8: case 9:
            encap = prop_chance(p, 70) ? "vxlan" : "geneve";
            addrs[n_addrs++] = "192.168.50.7";
            addrs[n_addrs++] = "192.168.50.8";
            if (prop_chance(p, 50)) {
                addrs[n_addrs++] = "192.168.50.9";
            }
            break;
        default:
            encap = "vxlan";
            addrs[n_addrs++] = prop_chance(p, 50) ? "10.99.0.1"
                                                  : "2001:db8::99";
            break;
        }
        tmrec_target_set_type(t, "ip");
        tmrec_target_set_port(t, NULL);
        prop_describe(p, " ip %s", encap);
        for (size_t i = 0; i < n_addrs; i++) {
            prop_describe(p, "%c%s", i ? ',' : ' ', addrs[i]);
        }
        const struct smap_node *node;
        SMAP_FOR_EACH (node, &options) {
            prop_describe(p, " %s=%s", node->key, node->value);
        }
    }
    tmrec_target_set_addresses(t, addrs, n_addrs);
    tmrec_target_set_encap(t, encap && strcmp(encap, "vxlan") ? encap : NULL);
    tmrec_target_set_options(t, &options);
    smap_destroy(&options);
}

/* True if some session uses 'vni'. */
static bool
vni_used(const struct prop *p, int64_t vni)
{
    const struct tmrec_session *s;
    TMREC_SESSION_FOR_EACH (s, p->tm) {
        if (s->vni == vni) {
            return true;
        }
    }
    return false;
}

/* Returns a VNI no session uses (at most 1023, for ERSPAN). */
static int64_t
free_vni(struct prop *p)
{
    for (;;) {
        int64_t vni = 1 + prop_random(p, 1000);
        if (!vni_used(p, vni)) {
            return vni;
        }
    }
}

/* Returns a session number that no session of 'source' but 'self' uses. */
static int64_t
free_session_number(struct prop *p, const char *source,
                    const struct tmrec_session *self)
{
    for (;;) {
        int64_t n = 1 + prop_random(p, 12);
        bool used = false;
        const struct tmrec_session *s;
        TMREC_SESSION_FOR_EACH (s, p->tm) {
            used |= (s != self && s->session_number == n
                     && !strcmp(s->source, source));
        }
        if (!used) {
            return n;
        }
    }
}

/* Sets a random packet_length (none most of the time). */
static void
random_packet_length(struct prop *p, const struct tmrec_session *s)
{
    int64_t len = 64 + prop_random(p, 1400);
    bool set = prop_chance(p, 30);
    tmrec_session_set_packet_length(s, &len, set);
    if (set) {
        prop_describe(p, " packet-length=%"PRId64, len);
    } else {
        prop_describe(p, " no packet-length");
    }
}

/* The operations.  Each returns false when it cannot be made. */

static bool
op_rule_add(struct prop *p, struct ovsdb_idl_txn *txn)
{
    const struct tmrec_filter *f = pick_filter(p, false);
    if (!f || f->n_rules >= MAX_RULES) {
        return false;
    }
    prop_describe(p, "rule-add %s", f->name);
    add_rule(p, txn, f);
    return true;
}

static bool
op_rule_edit(struct prop *p, struct ovsdb_idl_txn *txn OVS_UNUSED)
{
    const struct tmrec_filter *f;
    const struct tmrec_filter_rule *r = pick_rule(p, &f);
    if (!r || !f) {
        return false;
    }
    prop_describe(p, "rule-edit %s %s %"PRId64":", f->name, r->direction,
                  r->rule_number);
    switch (prop_random(p, 4)) {
    case 0:
        tmrec_filter_rule_set_action(r, (strcmp(r->action, "accept")
                                         ? "accept" : "reject"));
        prop_describe(p, " action flipped");
        break;
    case 1: {
        int64_t number = free_rule_number(p, f, r->direction);
        tmrec_filter_rule_set_rule_number(r, number);
        prop_describe(p, " number %"PRId64, number);
        break;
    }
    default:
        random_rule_contents(p, r);
        break;
    }
    return true;
}

static bool
op_rule_del(struct prop *p, struct ovsdb_idl_txn *txn OVS_UNUSED)
{
    const struct tmrec_filter *f;
    const struct tmrec_filter_rule *r = pick_rule(p, &f);
    if (!r || !f) {
        return false;
    }
    prop_describe(p, "rule-del %s %s %"PRId64, f->name, r->direction,
                  r->rule_number);
    tmrec_filter_update_rules_delvalue(f, r);
    return true;
}

static bool
op_filter_add(struct prop *p, struct ovsdb_idl_txn *txn)
{
    size_t n = 0;
    const struct tmrec_filter *f;
    TMREC_FILTER_FOR_EACH (f, p->tm) {
        n++;
    }
    if (n >= MAX_FILTERS) {
        return false;
    }
    char *name = fresh_name(p, "f");
    struct tmrec_filter *nf = tmrec_filter_insert(txn);
    tmrec_filter_set_name(nf, name);
    prop_describe(p, "filter-add %s", name);
    for (size_t i = prop_random(p, 3); i > 0; i--) {
        add_rule(p, txn, nf);
    }
    free(name);
    return true;
}

static bool
op_filter_del(struct prop *p, struct ovsdb_idl_txn *txn OVS_UNUSED)
{
    const struct tmrec_filter *f = pick_filter(p, true);
    if (!f) {
        return false;
    }
    prop_describe(p, "filter-del %s", f->name);
    tmrec_filter_delete(f);
    return true;
}

static bool
op_target_add(struct prop *p, struct ovsdb_idl_txn *txn)
{
    size_t n = 0;
    const struct tmrec_target *t;
    TMREC_TARGET_FOR_EACH (t, p->tm) {
        n++;
    }
    if (n >= MAX_TARGETS) {
        return false;
    }
    char *name = fresh_name(p, "t");
    struct tmrec_target *nt = tmrec_target_insert(txn);
    tmrec_target_set_name(nt, name);
    prop_describe(p, "target-add %s", name);
    random_target(p, nt);
    free(name);
    return true;
}

static bool
op_target_edit(struct prop *p, struct ovsdb_idl_txn *txn OVS_UNUSED)
{
    const struct tmrec_target *t = pick_target(p, false);
    if (!t) {
        return false;
    }
    prop_describe(p, "target-edit %s:", t->name);
    random_target(p, t);
    return true;
}

static bool
op_target_del(struct prop *p, struct ovsdb_idl_txn *txn OVS_UNUSED)
{
    const struct tmrec_target *t = pick_target(p, true);
    if (!t) {
        return false;
    }
    prop_describe(p, "target-del %s", t->name);
    tmrec_target_delete(t);
    return true;
}

static bool
op_session_add(struct prop *p, struct ovsdb_idl_txn *txn)
{
    size_t n = 0;
    const struct tmrec_session *s;
    TMREC_SESSION_FOR_EACH (s, p->tm) {
        n++;
    }
    const struct tmrec_filter *f = pick_filter(p, false);
    const struct tmrec_target *t = pick_target(p, false);
    if (n >= MAX_SESSIONS || !f || !t) {
        return false;
    }
    const char *source = sources[prop_random(p, ARRAY_SIZE(sources))];
    char *name = fresh_name(p, "s");
    int64_t number = free_session_number(p, source, NULL);
    int64_t vni = free_vni(p);
    bool enabled = prop_chance(p, 85);

    struct tmrec_session *ns = tmrec_session_insert(txn);
    tmrec_session_set_name(ns, name);
    tmrec_session_set_source(ns, source);
    tmrec_session_set_session_number(ns, number);
    tmrec_session_set_vni(ns, vni);
    tmrec_session_set_filter(ns, f);
    tmrec_session_set_target(ns, t);
    tmrec_session_set_enabled(ns, enabled);
    prop_describe(p, "session-add %s %s %s %s %"PRId64" vni=%"PRId64"%s",
                  name, source, t->name, f->name, number, vni,
                  enabled ? "" : " disabled");
    random_packet_length(p, ns);
    free(name);
    return true;
}

static bool
op_session_edit(struct prop *p, struct ovsdb_idl_txn *txn OVS_UNUSED)
{
    const struct tmrec_session *s = pick_session(p);
    if (!s) {
        return false;
    }
    prop_describe(p, "session-edit %s:", s->name);
    switch (prop_random(p, 7)) {
    case 0: {
        const struct tmrec_target *t = pick_target(p, false);
        tmrec_session_set_target(s, t);
        prop_describe(p, " target %s", t->name);
        break;
    }
    case 1: {
        const struct tmrec_filter *f = pick_filter(p, false);
        tmrec_session_set_filter(s, f);
        prop_describe(p, " filter %s", f->name);
        break;
    }
    case 2: {
        int64_t number = free_session_number(p, s->source, s);
        tmrec_session_set_session_number(s, number);
        prop_describe(p, " number %"PRId64, number);
        break;
    }
    case 3: {
        int64_t vni = free_vni(p);
        tmrec_session_set_vni(s, vni);
        prop_describe(p, " vni %"PRId64, vni);
        break;
    }
    case 4:
        random_packet_length(p, s);
        break;
    case 5: {
        const char *source = sources[prop_random(p, ARRAY_SIZE(sources))];
        tmrec_session_set_source(s, source);
        tmrec_session_set_session_number(
            s, free_session_number(p, source, s));
        prop_describe(p, " source %s", source);
        break;
    }
    default: {
        char *name = fresh_name(p, "s");
        tmrec_session_set_name(s, name);
        prop_describe(p, " renamed %s", name);
        free(name);
        break;
    }
    }
    return true;
}

static bool
op_session_del(struct prop *p, struct ovsdb_idl_txn *txn OVS_UNUSED)
{
    const struct tmrec_session *s = pick_session(p);
    if (!s) {
        return false;
    }
    prop_describe(p, "session-del %s", s->name);
    tmrec_session_delete(s);
    return true;
}

static bool
op_session_toggle(struct prop *p, struct ovsdb_idl_txn *txn OVS_UNUSED)
{
    const struct tmrec_session *s = pick_session(p);
    if (!s) {
        return false;
    }
    prop_describe(p, "session-%s %s", s->enabled ? "disable" : "enable",
                  s->name);
    tmrec_session_set_enabled(s, !s->enabled);
    return true;
}

/* Returns the Binding row of 'port', or NULL. */
static const struct tmrec_binding *
find_binding(const struct prop *p, const char *port)
{
    const struct tmrec_binding *b;
    TMREC_BINDING_FOR_EACH (b, p->tm) {
        if (!strcmp(b->port, port) && strcmp(b->chassis_name, PROP_CHASSIS)) {
            return b;
        }
    }
    return NULL;
}

/* Binds 'port' to 'chassis' (NULL: unbinds it). */
static void
set_binding(const struct prop *p, struct ovsdb_idl_txn *txn,
            const char *port, const char *chassis)
{
    const struct tmrec_binding *b = find_binding(p, port);
    if (!chassis) {
        if (b) {
            tmrec_binding_delete(b);
        }
        return;
    }
    if (!b) {
        b = tmrec_binding_insert(txn);
        tmrec_binding_set_port(b, port);
    }
    tmrec_binding_set_chassis_name(b, chassis);
}

/* Another chassis: the remote appliance app3 or the remote source rvm1
 * moves (hv2, hv3, nowhere), or hv2's encap_ip changes. */
static bool
op_remote(struct prop *p, struct ovsdb_idl_txn *txn)
{
    static const char *const chassis[] = { "hv2", "hv3", NULL, "hv2" };
    unsigned int kind = prop_random(p, 5);
    if (kind == 4) {
        const struct tmrec_chassis *ch;
        TMREC_CHASSIS_FOR_EACH (ch, p->tm) {
            if (!strcmp(ch->name, "hv2")) {
                const char *ip = (strcmp(ch->encap_ip, "192.168.50.2")
                                  ? "192.168.50.2" : "192.168.50.12");
                tmrec_chassis_set_encap_ip(ch, ip);
                prop_describe(p, "chassis hv2 encap-ip %s", ip);
                return true;
            }
        }
        return false;
    }
    const char *port = kind < 2 ? "app3" : "rvm1";
    const char *where = chassis[prop_random(p, ARRAY_SIZE(chassis))];
    set_binding(p, txn, port, where);
    prop_describe(p, "binding %s %s", port, where ? where : "(none)");
    return true;
}

/* Adds one random operation.  See test-inc-prop.h. */
bool
prop_tm_op(struct prop *p, struct ovsdb_idl_txn *txn)
{
    static const struct {
        bool (*op)(struct prop *, struct ovsdb_idl_txn *);
        unsigned int weight;
    } ops[] = {
        { op_rule_add, 14 }, { op_rule_edit, 12 }, { op_rule_del, 8 },
        { op_filter_add, 3 }, { op_filter_del, 2 },
        { op_target_add, 3 }, { op_target_edit, 8 }, { op_target_del, 2 },
        { op_session_add, 10 }, { op_session_edit, 14 },
        { op_session_del, 6 }, { op_session_toggle, 6 },
        { op_remote, 4 },
    };
    unsigned int total = 0;
    for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
        total += ops[i].weight;
    }
    unsigned int x = prop_random(p, total);
    for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
        if (x < ops[i].weight) {
            return ops[i].op(p, txn);
        }
        x -= ops[i].weight;
    }
    OVS_NOT_REACHED();
}

/* Writes the starting intent.  See test-inc-prop.h. */
void
prop_setup_tm(struct prop *p, struct ovsdb_idl_txn *txn)
{
    static const char *const others[][2] = {
        { "hv2", "192.168.50.2" }, { "hv3", "192.168.50.3" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(others); i++) {
        struct tmrec_chassis *ch = tmrec_chassis_insert(txn);
        tmrec_chassis_set_name(ch, others[i][0]);
        tmrec_chassis_set_hostname(ch, others[i][0]);
        tmrec_chassis_set_encap_ip(ch, others[i][1]);
    }
    struct tmrec_binding *b = tmrec_binding_insert(txn);
    tmrec_binding_set_port(b, "app3");
    tmrec_binding_set_chassis_name(b, "hv2");
    b = tmrec_binding_insert(txn);
    tmrec_binding_set_port(b, "rvm1");
    tmrec_binding_set_chassis_name(b, "hv2");

    for (int i = 0; i < 3; i++) {
        op_filter_add(p, txn);
        prop_describe(p, "; ");
        op_target_add(p, txn);
        prop_describe(p, "; ");
    }
}
