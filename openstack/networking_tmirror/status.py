# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""The TaaS status of a resource, from what the hypervisors report.

Every tmirror-controller writes one Session_Status row per session for its
own chassis: 'active' where the session's source port is and mirroring
works, 'pending' where there is nothing to do (the source is elsewhere,
the chassis delivers copies to an appliance, ovs-vswitchd is not ready),
or 'error' with a message.  Pure functions, so that the rule can be tested
on its own.
"""

ACTIVE = 'ACTIVE'
DOWN = 'DOWN'
ERROR = 'ERROR'
PENDING_DELETE = 'PENDING_DELETE'


def session_status(reports):
    """The TaaS status of one session.

    'reports' are (chassis_name, state, message) of the session's
    Session_Status rows.  Returns (status, reason): ERROR with the messages
    of the chassis in error when any is; ACTIVE when some chassis mirrors
    and none is in error (the others have nothing to do for this session);
    DOWN, with the pending messages, otherwise (no chassis has the source
    port yet)."""
    errors = sorted((c, m) for c, s, m in reports if s == 'error')
    if errors:
        return ERROR, '; '.join('chassis %s: %s' % e for e in errors)
    if any(s == 'active' for _, s, _ in reports):
        return ACTIVE, ''
    pending = sorted((c, m) for c, s, m in reports if s == 'pending')
    if pending:
        return DOWN, '; '.join('chassis %s: %s' % p for p in pending)
    return DOWN, 'no hypervisor reports this session yet'


def sessions_status(per_session):
    """The TaaS status of a resource made of several sessions (a tap
    mirror's directions): ERROR if one is, ACTIVE if all are, else DOWN.

    'per_session' is a list of (session_name, [reports])."""
    results = [(name, session_status(r)) for name, r in per_session]
    if not results:
        return DOWN, 'no Traffic_Mirror session'
    errors = [(n, reason) for n, (s, reason) in results if s == ERROR]
    if errors:
        return ERROR, '; '.join('%s: %s' % e for e in errors)
    if all(s == ACTIVE for _, (s, _) in results):
        return ACTIVE, ''
    return DOWN, '; '.join('%s: %s' % (n, reason)
                           for n, (s, reason) in results if s != ACTIVE)


def service_status(bound_chassis):
    """The TaaS status of a tap service: ACTIVE once some chassis has its
    appliance port on a mirror bridge (a Binding row), DOWN before."""
    if bound_chassis:
        return ACTIVE, ''
    return DOWN, ('the appliance port is on no hypervisor\'s mirror bridge '
                  '(no Binding row)')
