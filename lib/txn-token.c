/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* Transaction tokens in TM_Global's external_ids (tmirror/txn-token.h). */

#include <config.h>

#include "tmirror/txn-token.h"

#include <stdlib.h>
#include <string.h>

#include "smap.h"
#include "util.h"

/* Returns true if 'key' (of TM_Global's external_ids) is a token. */
bool
txn_token_is_key(const char *key)
{
    return !strncmp(key, TXN_TOKEN_PREFIX, strlen(TXN_TOKEN_PREFIX));
}

/* Removes every token from 'map'. */
void
txn_token_strip(struct smap *map)
{
    struct smap_node *node;
    SMAP_FOR_EACH_SAFE (node, map) {
        if (txn_token_is_key(node->key)) {
            smap_remove_node(map, node);
        }
    }
}

/* Adds to 'to' every token of 'from' (replacing a value 'to' has). */
void
txn_token_copy(const struct smap *from, struct smap *to)
{
    struct smap_node *node;
    SMAP_FOR_EACH (node, from) {
        if (txn_token_is_key(node->key)) {
            smap_replace(to, node->key, node->value);
        }
    }
}

/* Removes from 'map' the tokens written before 'now_ms' minus
 * TXN_TOKEN_LIFETIME_MS, and those whose value is not a time. */
void
txn_token_prune(struct smap *map, long long int now_ms)
{
    struct smap_node *node;
    SMAP_FOR_EACH_SAFE (node, map) {
        if (txn_token_is_key(node->key)) {
            long long int written;
            if (!str_to_llong(node->value, 10, &written)
                || written < now_ms - TXN_TOKEN_LIFETIME_MS) {
                smap_remove_node(map, node);
            }
        }
    }
}

/* See txn-token.h. */
void
txn_token_config_ids(const struct smap *current, const struct smap *wanted,
                     struct smap *old, struct smap *new)
{
    smap_clone(old, current);
    txn_token_strip(old);
    smap_clone(new, wanted);
    txn_token_strip(new);
}
