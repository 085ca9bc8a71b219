/*
 * Copyright (c) 2026 The tmirror authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License").
 */

#ifndef TMIRROR_INC_ENGINE_H
#define TMIRROR_INC_ENGINE_H 1

/* An incremental processing engine, in the shape of OVN's lib/inc-proc-eng.
 *
 * The computation is a DAG of nodes.  Each node owns some data, computed
 * from the data of its inputs.  A node has:
 *
 *   - run(): a full recompute of its data from its inputs' data (always
 *     correct: it is the oracle that incremental processing must match).
 *     It sets the node's state to ENGINE_UPDATED if the data changed, else
 *     ENGINE_UNCHANGED.
 *
 *   - for each input, an optional change handler, called when that input was
 *     updated, which brings the node's data up to date with the input's
 *     tracked changes and returns true, or returns false when it cannot
 *     (the engine then recomputes the node with run()).
 *
 * Input nodes (no inputs) have only run(), which looks at their source (an
 * IDL's tracked changes, say) and says UPDATED or UNCHANGED.
 *
 * engine_run() visits the nodes in topological order: a node none of whose
 * inputs changed is UNCHANGED without running; otherwise its handlers run,
 * or run() when an input lacks a handler, a handler fails, or a full
 * recompute was forced.  Nodes keep "tracked" data describing what changed
 * in the last run, for their consumers' handlers; clear_tracked_data()
 * forgets it after the run.
 *
 * engine_run(false) does not allow recomputes: a node that would need one
 * is ENGINE_CANCELED (and so are its consumers), and the run must be
 * repeated with recomputes allowed (for example when a transaction needed
 * by a recompute is not available). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ds;

#define ENGINE_MAX_INPUTS 16
#define ENGINE_MAX_NODES 64

enum engine_node_state {
    ENGINE_STALE,               /* Not run yet in this engine run. */
    ENGINE_UPDATED,             /* Data changed. */
    ENGINE_UNCHANGED,           /* Data did not change. */
    ENGINE_CANCELED,            /* Could not be brought up to date. */
};

struct engine_node;

/* Returns true if it brought 'node''s data up to date with the changes of
 * the input it is registered for, false to ask for a recompute. */
typedef bool engine_change_handler(struct engine_node *node, void *data);

struct engine_input {
    struct engine_node *node;
    engine_change_handler *change_handler;  /* NULL: recompute. */
};

struct engine_stats {
    uint64_t recompute;         /* run() calls. */
    uint64_t compute;           /* Runs satisfied by change handlers. */
    uint64_t cancel;            /* Runs canceled. */
    uint64_t unchanged;         /* Runs skipped: no input changed. */
};

struct engine_node {
    const char *name;
    size_t n_inputs;
    struct engine_input inputs[ENGINE_MAX_INPUTS];

    void *data;                 /* Owned by the node's init/cleanup. */
    void *(*init)(struct engine_node *, void *arg);
    void (*cleanup)(void *data);
    void (*run)(struct engine_node *, void *data);
    void (*clear_tracked_data)(void *data);

    enum engine_node_state state;
    char *recompute_reason;     /* Why it last recomputed (owned). */
    struct engine_stats stats;
};

/* Declares a node named 'NAME' whose functions are en_NAME_init(),
 * en_NAME_cleanup() and en_NAME_run(); the _TRACKED variant also has
 * en_NAME_clear_tracked_data(). */
#define ENGINE_NODE_DEFINE(NAME)                                        \
    struct engine_node en_##NAME = {                                    \
        .name = #NAME,                                                  \
        .init = en_##NAME##_init,                                       \
        .cleanup = en_##NAME##_cleanup,                                 \
        .run = en_##NAME##_run,                                         \
    }
#define ENGINE_NODE_DEFINE_TRACKED(NAME)                                \
    struct engine_node en_##NAME = {                                    \
        .name = #NAME,                                                  \
        .init = en_##NAME##_init,                                       \
        .cleanup = en_##NAME##_cleanup,                                 \
        .run = en_##NAME##_run,                                         \
        .clear_tracked_data = en_##NAME##_clear_tracked_data,           \
    }

/* An engine: its nodes in topological order. */
struct engine {
    struct engine_node *nodes[ENGINE_MAX_NODES];
    size_t n_nodes;
    bool force_recompute;
    char *force_reason;         /* Owned. */
    uint64_t n_runs;
};

/* Makes 'node' depend on 'input', with 'handler' (may be NULL). */
void engine_add_input(struct engine_node *node, struct engine_node *input,
                      engine_change_handler *handler);

/* Sorts the nodes reachable from 'root' into 'engine' and calls their
 * init() with 'arg'. */
void engine_init(struct engine *, struct engine_node *root, void *arg);
void engine_cleanup(struct engine *);

/* Runs the engine.  See the comment at the top. */
void engine_run(struct engine *, bool recompute_allowed);

/* True if the last engine_run() left a node ENGINE_CANCELED. */
bool engine_canceled(const struct engine *);

/* Forgets every node's tracked data.  Call after consuming a run. */
void engine_clear_tracked_data(struct engine *);

/* Makes the next engine_run() recompute every node ('reason' is for
 * inc-engine/show-stats). */
void engine_set_force_recompute(struct engine *, const char *reason);

/* Returns the data of 'node''s input named 'name' (which must exist). */
void *engine_get_input_data(const struct engine_node *node,
                            const char *name);
/* Returns 'node''s input node named 'name' (which must exist). */
struct engine_node *engine_get_input(const struct engine_node *node,
                                     const char *name);

/* Sets 'node''s state from a handler or run(). */
void engine_set_node_state(struct engine_node *, enum engine_node_state);

/* Appends per-node statistics ("inc-engine/show-stats") to 's'. */
void engine_format_stats(const struct engine *, struct ds *s);
void engine_clear_stats(struct engine *);

const char *engine_node_state_name(enum engine_node_state);

#endif /* tmirror/inc-engine.h */
