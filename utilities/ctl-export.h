/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_CTL_EXPORT_H
#define TMIRROR_CTL_EXPORT_H 1

/* tmirror-ctl "export [FILE]": the configuration in the database as one JSON
 * document (ctl-export.c). */

struct ctl_context;
struct intent_doc;
struct ovsdb_idl;

/* Fills 'doc' (initialized, empty) with the configuration in 'idl', in
 * canonical order. */
void ctl_export_doc(const struct ovsdb_idl *idl, struct intent_doc *doc);

/* Adds the tables and columns that export and apply read to 'ctx''s IDL: the
 * "pre" function of both commands. */
void ctl_export_pre(struct ctl_context *ctx);

/* Registers "export" with db-ctl-base. */
void ctl_export_register_commands(void);

#endif /* utilities/ctl-export.h */
