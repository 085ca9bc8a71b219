/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_TXN_TOKEN_H
#define TMIRROR_TXN_TOKEN_H 1

/* Transaction tokens: how a write lands exactly once across a failover.
 *
 * A writer (tmirror-ctl) that may have to send one change twice, because the
 * cluster leader died before it answered, marks the change with a token: the
 * key TXN_TOKEN_PREFIX followed by a fresh UUID, in TM_Global's external_ids,
 * whose value is the writer's wall-clock time in milliseconds.  The same
 * transaction verifies TM_Global's external_ids (an OVSDB "wait" on the
 * pre-state), so it commits only against the state its writer saw: if an
 * earlier attempt landed, a replay fails and the writer sees its token.
 *
 * Tokens are not configuration: export leaves them out, and every door that
 * rewrites TM_Global's external_ids (tmirror-ctl apply, the HTTP API) keeps
 * them.  Each write removes the tokens older than TXN_TOKEN_LIFETIME_MS. */

#include <stdbool.h>

struct smap;

#define TXN_TOKEN_PREFIX "tmirror-txn-"
#define TXN_TOKEN_LIFETIME_MS (600 * 1000LL)

bool txn_token_is_key(const char *key);
void txn_token_strip(struct smap *);
void txn_token_copy(const struct smap *from, struct smap *to);
/* Initializes 'old' and 'new' as copies of 'current' (a row's external_ids)
 * and 'wanted' (a document's) without their transaction tokens: what an
 * "apply" compares, since the tokens are not configuration. */
void txn_token_config_ids(const struct smap *current,
                          const struct smap *wanted,
                          struct smap *old, struct smap *new);
void txn_token_prune(struct smap *, long long int now_ms);

#endif /* tmirror/txn-token.h */
