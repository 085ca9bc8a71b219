/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "ctl-access.h"

#include <stdlib.h>
#include <string.h>

#include "db-ctl-base.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "sset.h"
#include "stream.h"
#include "svec.h"
#include "tmirror-idl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ctl_access);

/* ------------------------------------------------------------------------ */
/* The tmirror-controller RBAC role. */

/* A table whose rows belong to one chassis each: 'owner' is the column that
 * holds the chassis name, which ovsdb-server compares with the client
 * certificate's common name. */
struct chassis_table {
    const struct ovsdb_idl_table_class *table;
    const struct ovsdb_idl_column *owner;
};

/* The tables a controller writes.  It may insert and delete its own rows
 * and update every column but the owner (so that it cannot hand a row to
 * another chassis); every other table is read-only to it. */
static const struct chassis_table chassis_tables[] = {
    {&tmrec_table_chassis, &tmrec_chassis_col_name},
    {&tmrec_table_binding, &tmrec_binding_col_chassis_name},
    {&tmrec_table_session_status, &tmrec_session_status_col_chassis_name},
};

/* Fills 'update' with the names of 'ct''s columns, all but the owner. */
static void
chassis_table_update_columns(const struct chassis_table *ct,
                             struct svec *update)
{
    for (size_t i = 0; i < ct->table->n_columns; i++) {
        const struct ovsdb_idl_column *col = &ct->table->columns[i];
        if (col != ct->owner) {
            svec_add(update, col->name);
        }
    }
    svec_sort(update);
}

/* Tells whether 'strings' (n of them) are exactly the sorted 'want'. */
static bool
strings_equal(char **strings, size_t n, const struct svec *want)
{
    struct svec have = SVEC_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n; i++) {
        svec_add(&have, strings[i]);
    }
    svec_sort(&have);
    bool equal = svec_equal(&have, want);
    svec_destroy(&have);
    return equal;
}

/* Makes 'perm' the permission of 'ct': authorized by the owner column,
 * insert_delete, and 'ct''s other columns updatable.  Writes only what
 * differs. */
static void
sync_permission(const struct tmrec_rbac_permission *perm,
                const struct chassis_table *ct)
{
    struct svec update = SVEC_EMPTY_INITIALIZER;
    chassis_table_update_columns(ct, &update);
    struct svec auth = SVEC_EMPTY_INITIALIZER;
    svec_add(&auth, ct->owner->name);

    if (strcmp(perm->table, ct->table->name)) {
        tmrec_rbac_permission_set_table(perm, ct->table->name);
    }
    if (!strings_equal(perm->authorization, perm->n_authorization, &auth)) {
        tmrec_rbac_permission_set_authorization(
            perm, (const char **) auth.names, auth.n);
    }
    if (!perm->insert_delete) {
        tmrec_rbac_permission_set_insert_delete(perm, true);
    }
    if (!strings_equal(perm->update, perm->n_update, &update)) {
        tmrec_rbac_permission_set_update(perm, (const char **) update.names,
                                         update.n);
    }
    svec_destroy(&auth);
    svec_destroy(&update);
}

/* Returns the permission that 'role' maps 'table' to, or NULL. */
static const struct tmrec_rbac_permission *
role_permission(const struct tmrec_rbac_role *role, const char *table)
{
    for (size_t i = 0; i < role->n_permissions; i++) {
        if (!strcmp(role->key_permissions[i], table)) {
            return role->value_permissions[i];
        }
    }
    return NULL;
}

/* Creates the RBAC role "tmirror-controller", or brings it to exactly the
 * permissions above (after a schema upgrade, new columns become
 * updatable), writing nothing when it is already so.  Permissions for
 * other tables in the role (written by hand, or for a table that is gone)
 * are deleted: they would let a controller write more than it should. */
void
ctl_access_init_rbac(struct ctl_context *ctx)
{
    const struct tmrec_rbac_role *role = NULL, *r;
    TMREC_RBAC_ROLE_FOR_EACH (r, ctx->idl) {
        if (!strcmp(r->name, CTL_ACCESS_CONTROLLER_ROLE)) {
            role = r;
            break;
        }
    }
    if (!role) {
        struct tmrec_rbac_role *new = tmrec_rbac_role_insert(ctx->txn);
        tmrec_rbac_role_set_name(new, CTL_ACCESS_CONTROLLER_ROLE);
        role = new;
    }

    enum { N = ARRAY_SIZE(chassis_tables) };
    const char *keys[N];
    struct tmrec_rbac_permission *values[N];
    bool changed = role->n_permissions != N;
    for (size_t i = 0; i < N; i++) {
        const struct chassis_table *ct = &chassis_tables[i];
        const struct tmrec_rbac_permission *perm
            = role_permission(role, ct->table->name);
        if (!perm) {
            perm = tmrec_rbac_permission_insert(ctx->txn);
            changed = true;
        }
        sync_permission(perm, ct);
        keys[i] = ct->table->name;
        values[i] = CONST_CAST(struct tmrec_rbac_permission *, perm);
    }
    if (!changed) {
        return;
    }
    for (size_t i = 0; i < role->n_permissions; i++) {
        bool wanted = false;
        for (size_t j = 0; j < N; j++) {
            wanted |= role->value_permissions[i] == values[j];
        }
        if (!wanted) {
            VLOG_INFO("removing the permission for table %s from role %s",
                      role->key_permissions[i], CTL_ACCESS_CONTROLLER_ROLE);
            tmrec_rbac_permission_delete(role->value_permissions[i]);
        }
    }
    tmrec_rbac_role_set_permissions(role, keys, values, N);
}

/* ------------------------------------------------------------------------ */
/* Connections. */

/* Returns the TM_Global row (tmirror-ctl creates it for every command set
 * that writes). */
static const struct tmrec_tm_global *
get_global(struct ctl_context *ctx)
{
    const struct tmrec_tm_global *global = tmrec_tm_global_first(ctx->idl);
    if (!global) {
        global = tmrec_tm_global_insert(ctx->txn);
    }
    return global;
}

/* Tells whether an RBAC_Role named 'name' exists. */
static bool
role_exists(const struct ovsdb_idl *idl, const char *name)
{
    const struct tmrec_rbac_role *role;
    TMREC_RBAC_ROLE_FOR_EACH (role, idl) {
        if (!strcmp(role->name, name)) {
            return true;
        }
    }
    return false;
}

/* A connection that "set-connection" asks for. */
struct wanted_conn {
    const char *target;
    const char *role;
    bool read_only;
};

/* Tells whether 'conn' is the connection 'w'. */
static bool
conn_matches(const struct tmrec_connection *conn, const struct wanted_conn *w)
{
    return (!strcmp(conn->target, w->target)
            && !strcmp(conn->role, w->role)
            && conn->read_only == w->read_only);
}

/* Parses "set-connection"'s arguments into 'wanted' (ctx->argc - 1
 * entries at most): "read-only" and "role=ROLE" apply to the targets that
 * follow them.  Returns the number of targets, or -1 after an error. */
static int
parse_connections(struct ctl_context *ctx, struct wanted_conn *wanted)
{
    const char *role = "";
    bool read_only = false;
    struct sset targets = SSET_INITIALIZER(&targets);
    int n = 0;

    for (int i = 1; i < ctx->argc; i++) {
        const char *arg = ctx->argv[i];
        if (!strcmp(arg, "read-only")) {
            read_only = true;
        } else if (!strcmp(arg, "read-write")) {
            read_only = false;
        } else if (!strncmp(arg, "role=", 5)) {
            role = arg + 5;
            if (role[0] && !role_exists(ctx->idl, role)) {
                ctl_error(ctx, "set-connection: role: no RBAC_Role named "
                          "\"%s\" (tmirror-ctl init creates \"%s\")", role,
                          CTL_ACCESS_CONTROLLER_ROLE);
                goto error;
            }
        } else if (pstream_verify_name(arg)) {
            ctl_error(ctx, "set-connection: \"%s\" is not a remote to "
                      "listen on (ptcp:PORT[:IP], pssl:PORT[:IP] or "
                      "punix:FILE)", arg);
            goto error;
        } else if (!sset_add(&targets, arg)) {
            ctl_error(ctx, "set-connection: %s is given twice", arg);
            goto error;
        } else {
            wanted[n++] = (struct wanted_conn) { arg, role, read_only };
        }
    }
    if (!n) {
        ctl_error(ctx, "set-connection: no target given");
        goto error;
    }
    sset_destroy(&targets);
    return n;

error:
    sset_destroy(&targets);
    return -1;
}

/* "set-connection [read-only] [role=ROLE] TARGET...": makes TM_Global's
 * Connection rows exactly the TARGETs.  Connections that stay the same are
 * kept as they are.  ovsdb-server keeps a listener's role and read-only
 * flag until its target changes, so changing them for a target that
 * exists would not take effect: that is refused. */
static void
cmd_set_connection(struct ctl_context *ctx)
{
    struct wanted_conn *wanted = xcalloc(ctx->argc, sizeof *wanted);
    int n = parse_connections(ctx, wanted);
    if (n < 0) {
        free(wanted);
        return;
    }

    const struct tmrec_tm_global *global = get_global(ctx);
    struct tmrec_connection **keep = xcalloc(global->n_connections + n,
                                             sizeof *keep);
    size_t n_keep = 0;
    bool *found = xcalloc(n, sizeof *found);
    for (size_t i = 0; i < global->n_connections; i++) {
        struct tmrec_connection *conn = global->connections[i];
        for (int j = 0; j < n; j++) {
            if (!strcmp(conn->target, wanted[j].target)) {
                if (!conn_matches(conn, &wanted[j])) {
                    ctl_error(ctx, "set-connection: %s already exists with "
                              "role \"%s\"%s; ovsdb-server would keep that "
                              "until the target changes: run "
                              "\"tmirror-ctl del-connection\" first, as a "
                              "separate command", conn->target, conn->role,
                              conn->read_only ? " (read-only)" : "");
                    goto out;
                }
                keep[n_keep++] = conn;
                found[j] = true;
            }
        }
    }
    bool changed = n_keep != global->n_connections;
    for (int j = 0; j < n; j++) {
        if (!found[j]) {
            struct tmrec_connection *conn = tmrec_connection_insert(ctx->txn);
            tmrec_connection_set_target(conn, wanted[j].target);
            tmrec_connection_set_role(conn, wanted[j].role);
            tmrec_connection_set_read_only(conn, wanted[j].read_only);
            keep[n_keep++] = conn;
            changed = true;
        }
    }
    if (changed) {
        tmrec_tm_global_set_connections(global, keep, n_keep);
    }

out:
    free(found);
    free(keep);
    free(wanted);
}

/* Compares connections by target, for qsort(). */
static int
compare_connections(const void *a_, const void *b_)
{
    const struct tmrec_connection *const *a = a_;
    const struct tmrec_connection *const *b = b_;
    return strcmp((*a)->target, (*b)->target);
}

/* "get-connection": one line per connection, in set-connection's syntax. */
static void
cmd_get_connection(struct ctl_context *ctx)
{
    const struct tmrec_tm_global *global = tmrec_tm_global_first(ctx->idl);
    if (!global || !global->n_connections) {
        return;
    }
    struct tmrec_connection **conns
        = xmemdup(global->connections,
                  global->n_connections * sizeof *conns);
    qsort(conns, global->n_connections, sizeof *conns, compare_connections);
    for (size_t i = 0; i < global->n_connections; i++) {
        const struct tmrec_connection *conn = conns[i];
        if (conn->read_only) {
            ds_put_cstr(&ctx->output, "read-only ");
        }
        if (conn->role[0]) {
            ds_put_format(&ctx->output, "role=%s ", conn->role);
        }
        ds_put_format(&ctx->output, "%s\n", conn->target);
    }
    free(conns);
}

/* "del-connection": removes every Connection row (they are not root, so
 * dropping the references deletes them). */
static void
cmd_del_connection(struct ctl_context *ctx)
{
    const struct tmrec_tm_global *global = tmrec_tm_global_first(ctx->idl);
    if (global && global->n_connections) {
        tmrec_tm_global_set_connections(global, NULL, 0);
    }
}

/* ------------------------------------------------------------------------ */
/* SSL. */

/* "set-ssl PRIVATE-KEY CERTIFICATE CA-CERT [PROTOCOLS [CIPHERS]]": the SSL
 * row that ovsdb-server reads with
 * --private-key=db:Traffic_Mirror,SSL,private_key and so on.  (ovsdb-server
 * does not read bootstrap_ca_cert from a database, so it is left false.) */
static void
cmd_set_ssl(struct ctl_context *ctx)
{
    const struct tmrec_tm_global *global = get_global(ctx);
    for (int i = 1; i < 4; i++) {
        if (!ctx->argv[i][0]) {
            static const char *const fields[] = {
                NULL, "private_key", "certificate", "ca_cert" };
            ctl_error(ctx, "set-ssl: %s: missing value", fields[i]);
            return;
        }
    }

    const struct tmrec_ssl *ssl = global->ssl;
    if (!ssl) {
        struct tmrec_ssl *new = tmrec_ssl_insert(ctx->txn);
        tmrec_tm_global_set_ssl(global, new);
        ssl = new;
    }
    tmrec_ssl_set_private_key(ssl, ctx->argv[1]);
    tmrec_ssl_set_certificate(ssl, ctx->argv[2]);
    tmrec_ssl_set_ca_cert(ssl, ctx->argv[3]);
    tmrec_ssl_set_bootstrap_ca_cert(ssl, false);
    tmrec_ssl_set_ssl_protocols(ssl, ctx->argc > 4 ? ctx->argv[4] : "");
    tmrec_ssl_set_ssl_ciphers(ssl, ctx->argc > 5 ? ctx->argv[5] : "");
}

/* "get-ssl". */
static void
cmd_get_ssl(struct ctl_context *ctx)
{
    const struct tmrec_tm_global *global = tmrec_tm_global_first(ctx->idl);
    const struct tmrec_ssl *ssl = global ? global->ssl : NULL;
    if (!ssl) {
        return;
    }
    ds_put_format(&ctx->output, "Private key: %s\n", ssl->private_key);
    ds_put_format(&ctx->output, "Certificate: %s\n", ssl->certificate);
    ds_put_format(&ctx->output, "CA Certificate: %s\n", ssl->ca_cert);
    if (ssl->ssl_protocols[0]) {
        ds_put_format(&ctx->output, "SSL protocols: %s\n",
                      ssl->ssl_protocols);
    }
    if (ssl->ssl_ciphers[0]) {
        ds_put_format(&ctx->output, "SSL ciphers: %s\n", ssl->ssl_ciphers);
    }
}

/* "del-ssl". */
static void
cmd_del_ssl(struct ctl_context *ctx)
{
    const struct tmrec_tm_global *global = tmrec_tm_global_first(ctx->idl);
    if (global && global->ssl) {
        tmrec_ssl_delete(global->ssl);
        tmrec_tm_global_set_ssl(global, NULL);
    }
}

static const struct ctl_command_syntax access_commands[] = {
    {"set-connection", 1, INT_MAX, "[read-only] [role=ROLE] TARGET...",
     NULL, cmd_set_connection, NULL, "", RW},
    {"get-connection", 0, 0, "", NULL, cmd_get_connection, NULL, "", RO},
    {"del-connection", 0, 0, "", NULL, cmd_del_connection, NULL, "", RW},
    {"set-ssl", 3, 5, "PRIVATE-KEY CERTIFICATE CA-CERT [SSL-PROTOCOLS "
     "[SSL-CIPHERS]]", NULL, cmd_set_ssl, NULL, "", RW},
    {"get-ssl", 0, 0, "", NULL, cmd_get_ssl, NULL, "", RO},
    {"del-ssl", 0, 0, "", NULL, cmd_del_ssl, NULL, "", RW},
    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, RO},
};

/* Registers set-connection, get-connection, del-connection, set-ssl,
 * get-ssl and del-ssl. */
void
ctl_access_register_commands(void)
{
    ctl_register_commands(access_commands);
}
