/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_ACCESS_H
#define TMIRROR_CTL_ACCESS_H 1

/* Access to the Traffic_Mirror database: who may connect and what a
 * controller may write.
 *
 *   - The tmirror-ctl commands (ctl_access_register_commands()):
 *     set-connection, get-connection, del-connection (the Connection rows
 *     of TM_Global, which ovsdb-server listens on with their RBAC roles)
 *     and set-ssl, get-ssl, del-ssl (the SSL row of TM_Global, which
 *     ovsdb-server may take its key and certificates from).
 *
 *   - The RBAC role "tmirror-controller" (ctl_access_init_rbac(), which
 *     "tmirror-ctl init" runs): a controller, authenticated by its
 *     certificate's common name = its system-id, may insert, update and
 *     delete only its own Chassis, Binding and Session_Status rows. */

struct ctl_context;

/* The role a controllers' Connection row names. */
#define CTL_ACCESS_CONTROLLER_ROLE "tmirror-controller"

void ctl_access_register_commands(void);
void ctl_access_init_rbac(struct ctl_context *);

#endif /* ctl-access.h */
