# networking_tmirror: the Neutron Tap-as-a-Service driver (Python, plain
# setuptools; "cd openstack && python3 setup.py install" installs it), and
# its manual page.  Its unit tests run from tests/automake.mk.

EXTRA_DIST += \
	openstack/README.md \
	openstack/setup.cfg \
	openstack/setup.py \
	openstack/networking_tmirror/__init__.py \
	openstack/networking_tmirror/commands.py \
	openstack/networking_tmirror/config.py \
	openstack/networking_tmirror/exceptions.py \
	openstack/networking_tmirror/mapping.py \
	openstack/networking_tmirror/status.py \
	openstack/networking_tmirror/sync.py \
	openstack/networking_tmirror/taas_driver.py \
	openstack/networking_tmirror/tm_db.py \
	openstack/networking_tmirror/writer.py \
	openstack/networking_tmirror/tests/__init__.py \
	openstack/networking_tmirror/tests/conftest.py \
	openstack/networking_tmirror/tests/test_config.py \
	openstack/networking_tmirror/tests/test_driver.py \
	openstack/networking_tmirror/tests/test_mapping.py \
	openstack/networking_tmirror/tests/test_status.py \
	openstack/networking_tmirror/tests/test_sync.py \
	openstack/networking_tmirror/tests/test_writer.py

man_MANS += openstack/networking-tmirror.5
CLEANFILES += openstack/networking-tmirror.5
EXTRA_DIST += openstack/networking-tmirror.5.xml
openstack/networking-tmirror.5: openstack/networking-tmirror.5.xml
	$(AM_V_GEN)$(MKDIR_P) openstack && \
	$(XML2NROFF) $(srcdir)/openstack/networking-tmirror.5.xml \
		--version=$(VERSION) > $@.tmp && $(MAN_FOOTER) $@.tmp && mv $@.tmp $@
