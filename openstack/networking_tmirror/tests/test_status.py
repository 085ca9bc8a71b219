# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""The TaaS status from Session_Status and Binding rows (status.py)."""

from networking_tmirror import status


def test_active_when_a_chassis_mirrors_and_the_others_wait():
    assert status.session_status([
        ('hv1', 'active', ''),
        ('hv2', 'pending', 'source port p is not on this chassis'),
        ('hv3', 'pending', 'delivering copies from chassis hv1 to '
                           'appliance a (source port p is not on this '
                           'chassis)')]) == (status.ACTIVE, '')


def test_error_anywhere_wins_with_every_message():
    st, reason = status.session_status([
        ('hv2', 'error', 'target t: appliance port a is bound to chassis '
                         'hv9, which has no Chassis row'),
        ('hv1', 'active', ''),
        ('hv0', 'error', 'no capacity')])
    assert st == status.ERROR
    assert reason == ('chassis hv0: no capacity; chassis hv2: target t: '
                      'appliance port a is bound to chassis hv9, which has '
                      'no Chassis row')


def test_down_while_only_pending_or_nothing():
    assert status.session_status([('hv1', 'pending', 'session is '
                                                     'disabled')]) == \
        (status.DOWN, 'chassis hv1: session is disabled')
    assert status.session_status([]) == \
        (status.DOWN, 'no hypervisor reports this session yet')


def test_several_sessions():
    active = [('hv1', 'active', '')]
    assert status.sessions_status([('a', active), ('b', active)]) == \
        (status.ACTIVE, '')
    assert status.sessions_status([('a', active), ('b', [])]) == \
        (status.DOWN, 'b: no hypervisor reports this session yet')
    assert status.sessions_status(
        [('a', [('hv1', 'error', 'bad')]), ('b', [])]) == \
        (status.ERROR, 'a: chassis hv1: bad')
    assert status.sessions_status([]) == \
        (status.DOWN, 'no Traffic_Mirror session')


def test_service_status_follows_the_binding():
    assert status.service_status({'hv1'}) == (status.ACTIVE, '')
    st, reason = status.service_status(None)
    assert st == status.DOWN and 'no Binding row' in reason
