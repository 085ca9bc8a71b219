#!/usr/bin/python3
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").
"""openstack-schema.py URL: creates Neutron's and TaaS's tables in a fresh
SQLite database, for the OpenStack tests.

Neutron's alembic migrations cannot run on SQLite (they ALTER constraints)
and Debian's python3-neutron-taas ships none, so the tables come from the
SQLAlchemy models, as Neutron's own unit tests make them."""

import importlib
import sys

from neutron.db.migration.models import head
import sqlalchemy as sa

# Importing TaaS's models registers its tables with Neutron's metadata.
importlib.import_module('neutron_taas.db.taas_db')
engine = sa.create_engine(sys.argv[1])
head.get_metadata().create_all(engine)
print('created %d tables' % len(sa.inspect(engine).get_table_names()))
