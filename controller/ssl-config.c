/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#include <config.h>

#include "controller/ssl-config.h"

#include <stdlib.h>

#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "stream-ssl.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(ssl_config);

/* The files given on the command line (NULL if not given).  Set once,
 * while the options are parsed. */
static struct {
    char *private_key;
    char *certificate;
    char *ca_cert;
    bool bootstrap;
} cmdline;

/* Stores 'file' in '*dst'. */
static void
set_file(char **dst, const char *file)
{
    free(*dst);
    *dst = xstrdup(file);
}

/* -p FILE. */
void
ssl_config_set_private_key(const char *file)
{
    set_file(&cmdline.private_key, file);
}

/* -c FILE. */
void
ssl_config_set_certificate(const char *file)
{
    set_file(&cmdline.certificate, file);
}

/* -C FILE, or --bootstrap-ca-cert=FILE when 'bootstrap'. */
void
ssl_config_set_ca_cert(const char *file, bool bootstrap)
{
    set_file(&cmdline.ca_cert, file);
    cmdline.bootstrap = bootstrap;
}

/* Makes 'ovs_idl' replicate the Open_vSwitch row's SSL row. */
void
ssl_config_register(struct ovsdb_idl *ovs_idl)
{
    ovsdb_idl_add_column(ovs_idl, &ovsrec_open_vswitch_col_ssl);
    ovsdb_idl_add_table(ovs_idl, &ovsrec_table_ssl);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_ssl_col_private_key);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_ssl_col_certificate);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_ssl_col_ca_cert);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_ssl_col_bootstrap_ca_cert);
}

/* Hands stream-ssl the files to use now: the command line's, if it named
 * any, else the SSL row's.  stream-ssl itself re-reads a file that
 * changes. */
void
ssl_config_run(const struct ovsdb_idl *ovs_idl)
{
    const char *key, *cert, *ca;
    bool bootstrap;

    if (cmdline.private_key || cmdline.certificate || cmdline.ca_cert) {
        key = cmdline.private_key;
        cert = cmdline.certificate;
        ca = cmdline.ca_cert;
        bootstrap = cmdline.bootstrap;
    } else {
        const struct ovsrec_open_vswitch *ovs
            = ovsrec_open_vswitch_first(ovs_idl);
        const struct ovsrec_ssl *ssl = ovs ? ovs->ssl : NULL;
        if (!ssl) {
            return;
        }
        key = ssl->private_key;
        cert = ssl->certificate;
        ca = ssl->ca_cert;
        bootstrap = ssl->bootstrap_ca_cert;
    }

    if (key && key[0] && cert && cert[0]) {
        stream_ssl_set_key_and_cert(key, cert);
    }
    if (ca && ca[0]) {
        stream_ssl_set_ca_cert_file(ca, bootstrap);
    }
}
