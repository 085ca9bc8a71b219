/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

/* The incremental processing engine.  See include/tmirror/inc-engine.h. */

#include <config.h>

#include "tmirror/inc-engine.h"

#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(inc_engine);

COVERAGE_DEFINE(engine_run);
COVERAGE_DEFINE(engine_recompute);

/* Returns the name of 'state'. */
const char *
engine_node_state_name(enum engine_node_state state)
{
    switch (state) {
    case ENGINE_STALE: return "stale";
    case ENGINE_UPDATED: return "updated";
    case ENGINE_UNCHANGED: return "unchanged";
    case ENGINE_CANCELED: return "canceled";
    }
    return "unknown";
}

/* Makes 'node' depend on 'input'. */
void
engine_add_input(struct engine_node *node, struct engine_node *input,
                 engine_change_handler *handler)
{
    ovs_assert(node->n_inputs < ENGINE_MAX_INPUTS);
    node->inputs[node->n_inputs].node = input;
    node->inputs[node->n_inputs].change_handler = handler;
    node->n_inputs++;
}

/* Returns true if 'node' is already in 'engine'. */
static bool
engine_contains(const struct engine *engine, const struct engine_node *node)
{
    for (size_t i = 0; i < engine->n_nodes; i++) {
        if (engine->nodes[i] == node) {
            return true;
        }
    }
    return false;
}

/* Adds 'node' after all of its inputs (depth first). */
static void
engine_topo_sort(struct engine *engine, struct engine_node *node)
{
    if (engine_contains(engine, node)) {
        return;
    }
    for (size_t i = 0; i < node->n_inputs; i++) {
        engine_topo_sort(engine, node->inputs[i].node);
    }
    ovs_assert(engine->n_nodes < ENGINE_MAX_NODES);
    engine->nodes[engine->n_nodes++] = node;
}

/* Sorts the nodes under 'root' and initializes them. */
void
engine_init(struct engine *engine, struct engine_node *root, void *arg)
{
    memset(engine, 0, sizeof *engine);
    engine_topo_sort(engine, root);
    for (size_t i = 0; i < engine->n_nodes; i++) {
        struct engine_node *node = engine->nodes[i];
        node->data = node->init ? node->init(node, arg) : NULL;
        node->state = ENGINE_STALE;
    }
    engine_set_force_recompute(engine, "first run");
}

/* Frees the nodes' data, consumers first. */
void
engine_cleanup(struct engine *engine)
{
    for (size_t i = engine->n_nodes; i-- > 0; ) {
        struct engine_node *node = engine->nodes[i];
        if (node->clear_tracked_data) {
            node->clear_tracked_data(node->data);
        }
        if (node->cleanup) {
            node->cleanup(node->data);
        }
        free(node->data);
        node->data = NULL;
        free(node->recompute_reason);
        node->recompute_reason = NULL;
    }
    free(engine->force_reason);
    engine->force_reason = NULL;
    engine->n_nodes = 0;
}

/* Forces a full recompute on the next run. */
void
engine_set_force_recompute(struct engine *engine, const char *reason)
{
    if (!engine->force_recompute) {
        free(engine->force_reason);
        engine->force_reason = xstrdup(reason);
    }
    engine->force_recompute = true;
}

/* Sets 'node''s state. */
void
engine_set_node_state(struct engine_node *node, enum engine_node_state state)
{
    node->state = state;
}

/* Returns 'node''s input named 'name'. */
struct engine_node *
engine_get_input(const struct engine_node *node, const char *name)
{
    for (size_t i = 0; i < node->n_inputs; i++) {
        if (!strcmp(node->inputs[i].node->name, name)) {
            return node->inputs[i].node;
        }
    }
    OVS_NOT_REACHED();
}

/* Returns the data of 'node''s input named 'name'. */
void *
engine_get_input_data(const struct engine_node *node, const char *name)
{
    return engine_get_input(node, name)->data;
}

/* Recomputes 'node', or cancels it if that is not allowed. */
static void
engine_recompute(struct engine_node *node, bool allowed, const char *reason)
{
    if (!allowed) {
        VLOG_DBG("node %s: recompute needed (%s) but not allowed", node->name,
                 reason);
        node->state = ENGINE_CANCELED;
        node->stats.cancel++;
        return;
    }
    VLOG_DBG("node %s: recompute (%s)", node->name, reason);
    free(node->recompute_reason);
    node->recompute_reason = xstrdup(reason);
    COVERAGE_INC(engine_recompute);
    node->state = ENGINE_STALE;
    node->run(node, node->data);
    ovs_assert(node->state == ENGINE_UPDATED
               || node->state == ENGINE_UNCHANGED);
    node->stats.recompute++;
}

/* Brings one node up to date. */
static void
engine_run_node(struct engine *engine, struct engine_node *node,
                bool recompute_allowed)
{
    if (!node->n_inputs) {
        /* An input node: it looks at its source itself. */
        node->state = ENGINE_STALE;
        node->run(node, node->data);
        ovs_assert(node->state == ENGINE_UPDATED
                   || node->state == ENGINE_UNCHANGED);
        node->stats.recompute++;
        return;
    }
    if (engine->force_recompute) {
        engine_recompute(node, recompute_allowed, engine->force_reason);
        return;
    }

    bool changed = false;
    for (size_t i = 0; i < node->n_inputs; i++) {
        const struct engine_input *in = &node->inputs[i];
        if (in->node->state == ENGINE_CANCELED) {
            node->state = ENGINE_CANCELED;
            node->stats.cancel++;
            return;
        }
        changed |= in->node->state == ENGINE_UPDATED;
    }
    if (!changed) {
        node->state = ENGINE_UNCHANGED;
        node->stats.unchanged++;
        return;
    }

    node->state = ENGINE_UNCHANGED;
    for (size_t i = 0; i < node->n_inputs; i++) {
        const struct engine_input *in = &node->inputs[i];
        if (in->node->state != ENGINE_UPDATED) {
            continue;
        }
        if (!in->change_handler) {
            char *reason = xasprintf("%s changed (no handler)",
                                     in->node->name);
            engine_recompute(node, recompute_allowed, reason);
            free(reason);
            return;
        }
        enum engine_node_state before = node->state;
        if (!in->change_handler(node, node->data)) {
            char *reason = xasprintf("%s changed (handler gave up)",
                                     in->node->name);
            engine_recompute(node, recompute_allowed, reason);
            free(reason);
            return;
        }
        if (before == ENGINE_UPDATED) {
            node->state = ENGINE_UPDATED;   /* Handlers only add changes. */
        }
    }
    node->stats.compute++;
}

/* Runs every node in order. */
void
engine_run(struct engine *engine, bool recompute_allowed)
{
    COVERAGE_INC(engine_run);
    engine->n_runs++;
    for (size_t i = 0; i < engine->n_nodes; i++) {
        engine_run_node(engine, engine->nodes[i], recompute_allowed);
    }
    if (recompute_allowed && !engine_canceled(engine)) {
        engine->force_recompute = false;
    }
}

/* True if a node was canceled in the last run. */
bool
engine_canceled(const struct engine *engine)
{
    for (size_t i = 0; i < engine->n_nodes; i++) {
        if (engine->nodes[i]->state == ENGINE_CANCELED) {
            return true;
        }
    }
    return false;
}

/* Forgets the tracked data of every node. */
void
engine_clear_tracked_data(struct engine *engine)
{
    for (size_t i = 0; i < engine->n_nodes; i++) {
        struct engine_node *node = engine->nodes[i];
        if (node->clear_tracked_data) {
            node->clear_tracked_data(node->data);
        }
    }
}

/* Appends each node's statistics to 's'. */
void
engine_format_stats(const struct engine *engine, struct ds *s)
{
    ds_put_format(s, "engine runs: %"PRIu64"\n", engine->n_runs);
    for (size_t i = 0; i < engine->n_nodes; i++) {
        const struct engine_node *node = engine->nodes[i];
        ds_put_format(s, "Node: %s\n"
                      "- recompute: %12"PRIu64"\n"
                      "- compute:   %12"PRIu64"\n"
                      "- unchanged: %12"PRIu64"\n"
                      "- cancel:    %12"PRIu64"\n",
                      node->name, node->stats.recompute, node->stats.compute,
                      node->stats.unchanged, node->stats.cancel);
        if (node->n_inputs && node->recompute_reason) {
            ds_put_format(s, "- last recompute: %s\n",
                          node->recompute_reason);
        }
    }
}

/* Zeroes every node's statistics. */
void
engine_clear_stats(struct engine *engine)
{
    for (size_t i = 0; i < engine->n_nodes; i++) {
        memset(&engine->nodes[i]->stats, 0, sizeof engine->nodes[i]->stats);
    }
}
