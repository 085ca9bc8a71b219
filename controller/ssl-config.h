/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_SSL_CONFIG_H
#define TMIRROR_SSL_CONFIG_H 1

#include <stdbool.h>

#include "stream-ssl.h"

/* Where tmirror-controller takes its SSL private key, certificate and CA
 * certificate from, for an ssl: tmirror-remote (or local database):
 *
 *   - the command line (-p, -c, -C, --bootstrap-ca-cert), when any of them
 *     is given there: then the command line alone counts;
 *   - else the local Open_vSwitch database's SSL row (Open_vSwitch.ssl,
 *     written by "ovs-vsctl set-ssl"), the files ovs-vswitchd also uses,
 *     re-read whenever the row changes, as ovn-controller does.
 *
 * --ssl-protocols and --ssl-ciphers go to stream-ssl directly. */

struct ovsdb_idl;

void ssl_config_set_private_key(const char *file);
void ssl_config_set_certificate(const char *file);
void ssl_config_set_ca_cert(const char *file, bool bootstrap);

void ssl_config_register(struct ovsdb_idl *ovs_idl);
void ssl_config_run(const struct ovsdb_idl *ovs_idl);

/* getopt handlers for STREAM_SSL_LONG_OPTIONS plus
 * {"bootstrap-ca-cert", required_argument, NULL, OPT_BOOTSTRAP_CA_CERT}. */
#define SSL_CONFIG_OPTION_HANDLERS                      \
        case 'p':                                       \
            ssl_config_set_private_key(optarg);         \
            break;                                      \
        case 'c':                                       \
            ssl_config_set_certificate(optarg);         \
            break;                                      \
        case 'C':                                       \
            ssl_config_set_ca_cert(optarg, false);      \
            break;                                      \
        case OPT_BOOTSTRAP_CA_CERT:                     \
            ssl_config_set_ca_cert(optarg, true);       \
            break;                                      \
        case OPT_SSL_PROTOCOLS:                         \
            stream_ssl_set_protocols(optarg);           \
            break;                                      \
        case OPT_SSL_CIPHERS:                           \
            stream_ssl_set_ciphers(optarg);             \
            break;

#endif /* ssl-config.h */
