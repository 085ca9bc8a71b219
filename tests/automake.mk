# Unit tests (cmocka, no daemons) and the OVS-style Autotest suite (real
# ovsdb-server, ovs-vswitchd on the dummy datapath, tmirror-controller).

if HAVE_CMOCKA
UNIT_TESTS = \
	tests/test-api-auth \
	tests/test-validate \
	tests/test-intent-doc \
	tests/test-json-clash \
	tests/test-text \
	tests/test-flow-table \
	tests/test-filter-compile \
	tests/test-pipeline \
	tests/test-session-counters \
	tests/test-path-verify
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
UNIT_LDADD = lib/libtmirror.la ovsdb/libtmirror-idl.la $(OVS_LIBS) $(CMOCKA_LIBS)

# tmirror-api's SigV4, credentials, ids and form decoding.
tests_test_api_auth_SOURCES = \
	tests/test-api-auth.c \
	api/api-auth.c \
	api/api-form.c \
	api/api-ids.c \
	api/api-request.c \
	api/auth-config.c \
	api/sigv4.c
tests_test_api_auth_CFLAGS = $(UNIT_CFLAGS) $(JANSSON_CFLAGS) -I$(top_srcdir) \
	-I$(top_srcdir)/api
tests_test_api_auth_LDADD = $(UNIT_LDADD) $(JANSSON_LIBS)

tests_test_validate_SOURCES = tests/test-validate.c
tests_test_validate_CFLAGS = $(UNIT_CFLAGS)
tests_test_validate_LDADD = $(UNIT_LDADD)

# The JSON document of tmirror-ctl export/apply (lib/libtmirror-doc.la).
tests_test_intent_doc_SOURCES = tests/test-intent-doc.c
tests_test_intent_doc_CFLAGS = $(UNIT_CFLAGS) $(JANSSON_CFLAGS)
tests_test_intent_doc_LDADD = lib/libtmirror-doc.la $(UNIT_LDADD) \
	$(JANSSON_LIBS)

# jansson and libopenvswitch in one program (ovs/automake.mk): the jansson
# half is test-json-clash.c, the OVS half json-clash-ovs.c.
tests_test_json_clash_SOURCES = \
	tests/test-json-clash.c \
	tests/json-clash-ovs.c \
	tests/json-clash-ovs.h
tests_test_json_clash_CFLAGS = $(UNIT_CFLAGS) $(JANSSON_CFLAGS)
tests_test_json_clash_LDADD = $(UNIT_LDADD) $(JANSSON_LIBS)

tests_test_text_SOURCES = tests/test-text.c
tests_test_text_CFLAGS = $(UNIT_CFLAGS)
tests_test_text_LDADD = $(UNIT_LDADD)

tests_test_flow_table_SOURCES = tests/test-flow-table.c
tests_test_flow_table_CFLAGS = $(UNIT_CFLAGS)
CONTROLLER_UNIT_LDADD = controller/libtmirror-controller.la $(UNIT_LDADD)
tests_test_flow_table_LDADD = $(CONTROLLER_UNIT_LDADD)

tests_test_session_counters_SOURCES = tests/test-session-counters.c
tests_test_session_counters_CFLAGS = $(UNIT_CFLAGS)
tests_test_session_counters_LDADD = $(CONTROLLER_UNIT_LDADD)

tests_test_path_verify_SOURCES = tests/test-path-verify.c
tests_test_path_verify_CFLAGS = $(UNIT_CFLAGS)
tests_test_path_verify_LDADD = $(CONTROLLER_UNIT_LDADD)

tests_test_filter_compile_SOURCES = tests/test-filter-compile.c
tests_test_filter_compile_CFLAGS = $(UNIT_CFLAGS)
tests_test_filter_compile_LDADD = $(CONTROLLER_UNIT_LDADD)

tests_test_pipeline_SOURCES = tests/test-pipeline.c
tests_test_pipeline_CFLAGS = $(UNIT_CFLAGS)
tests_test_pipeline_LDADD = $(CONTROLLER_UNIT_LDADD)
endif

# Driver for tests/vswitch-sync.at (controller/vswitch-sync.c against a real
# Open_vSwitch database).
noinst_PROGRAMS += tests/test-vswitch-sync
tests_test_vswitch_sync_SOURCES = tests/test-vswitch-sync.c
tests_test_vswitch_sync_LDADD = \
	controller/libtmirror-controller.la \
	lib/libtmirror.la \
	ovsdb/libtmirror-idl.la \
	$(OVS_LIBS)

# Driver for the shared-checks test of tests/tmirror-ctl.at
# (lib/intent-check.c against a real Traffic_Mirror database, with and
# without IDL indexes).
noinst_PROGRAMS += tests/test-intent-check
tests_test_intent_check_SOURCES = tests/test-intent-check.c
tests_test_intent_check_LDADD = \
	lib/libtmirror.la \
	ovsdb/libtmirror-idl.la \
	$(OVS_LIBS)

# Driver for tests/ofctrl.at (controller/ofctrl.c against a real
# ovs-vswitchd).
noinst_PROGRAMS += tests/test-ofctrl
tests_test_ofctrl_SOURCES = tests/test-ofctrl.c
tests_test_ofctrl_LDADD = \
	controller/libtmirror-controller.la \
	lib/libtmirror.la \
	ovsdb/libtmirror-idl.la \
	$(OVS_LIBS)

# Driver for tests/controller-prop.at: the property test of the
# controller's incremental engine (random operations through the IDLs,
# checks against a full recompute and the mirror bridge).
noinst_PROGRAMS += tests/test-inc-prop
tests_test_inc_prop_SOURCES = \
	tests/test-inc-prop.c \
	tests/test-inc-prop.h \
	tests/test-inc-prop-ops.c \
	tests/test-inc-prop-ovs.c \
	tests/test-inc-prop-switch.c
tests_test_inc_prop_LDADD = \
	controller/libtmirror-controller.la \
	lib/libtmirror.la \
	ovsdb/libtmirror-idl.la \
	$(OVS_LIBS)

# Driver for tests/capture-tc.at (controller/capture-tc.c on real netdevs
# in network namespaces).
noinst_PROGRAMS += tests/test-capture-tc
tests_test_capture_tc_SOURCES = tests/test-capture-tc.c
tests_test_capture_tc_LDADD = \
	controller/libtmirror-controller.la \
	lib/libtmirror.la \
	ovsdb/libtmirror-idl.la \
	$(OVS_LIBS)

# Unit tests of controller/capture.c (tests/capture-controller.at).
noinst_PROGRAMS += tests/test-capture
tests_test_capture_SOURCES = tests/test-capture.c
tests_test_capture_LDADD = \
	controller/libtmirror-controller.la \
	lib/libtmirror.la \
	ovsdb/libtmirror-idl.la \
	$(OVS_LIBS)

# The Autotest suite.
TESTSUITE_AT = \
	tests/testsuite.at \
	tests/tmirror-macros.at \
	tests/build.at \
	tests/schema.at \
	tests/system-traffic.at \
	tests/capture-tc.at \
	tests/capture-controller.at \
	tests/controller.at \
	tests/controller-semantics.at \
	tests/controller-vlan.at \
	tests/controller-robustness.at \
	tests/controller-multihost.at \
	tests/fleet-faults.at \
	tests/sandbox-hosts.at \
	tests/controller-trust.at \
	tests/controller-prop.at \
	tests/tmirror-ctl.at \
	tests/vswitch-sync.at \
	tests/ofctrl.at \
	tests/tmirror-ctl-json.at \
	tests/tmirror-ctl-scale.at \
	tests/api.at \
	tests/api-auth.at \
	tests/api-ec2.at \
	tests/api-ops.at \
	tests/tmirror-service.at \
	tests/cluster-failover.at \
	tests/rbac.at \
	tests/packages.at \
	tests/openstack-taas.at
EXTRA_DIST += $(TESTSUITE_AT) tests/atlocal.in tests/summarize.sh
EXTRA_DIST += tests/real-traffic-lab.sh tests/debian-packages.sh
EXTRA_DIST += tests/capture-tc-lab.sh
EXTRA_DIST += tests/capture-controller-lab.sh
EXTRA_DIST += tests/api-helpers.sh tests/api-sigv4.py
CLEANFILES += tests/debian-packages.out

# networking_tmirror's Python unit tests (pytest); summarize.sh counts them.
TESTS += tests/openstack-unit.sh
EXTRA_DIST += tests/openstack-unit.sh

# The OpenStack tests: neutron-server's configuration and database, and the
# shell functions of tests/openstack-taas.at.
EXTRA_DIST += \
	tests/openstack-lab.sh \
	tests/openstack-neutron.conf.in \
	tests/openstack-schema.py
TESTSUITE = $(srcdir)/tests/testsuite
DISTCLEANFILES += tests/atconfig tests/atlocal
CLEANFILES += tests/testsuite.out tests/testsuite.rc tests/fleet-faults.figures
AUTOM4TE = autom4te
AUTOTEST = $(AUTOM4TE) -l autotest
AUTOTEST_PATH = $(abs_top_builddir)/utilities:$(abs_top_builddir)/controller:$(abs_top_builddir)/api:$(abs_top_builddir)/tests

$(TESTSUITE): package.m4 $(TESTSUITE_AT)
	$(AM_V_GEN)$(AUTOTEST) -I $(srcdir) -I $(OVS_SRCDIR) \
		$(srcdir)/tests/testsuite.at -o $@.tmp && mv $@.tmp $@

tests/package.m4 package.m4: $(top_srcdir)/configure.ac
	$(AM_V_GEN):;{ \
	  echo '# Signature of the current package.' && \
	  echo 'm4_define([AT_PACKAGE_NAME],      [$(PACKAGE_NAME)])' && \
	  echo 'm4_define([AT_PACKAGE_TARNAME],   [$(PACKAGE_TARNAME)])' && \
	  echo 'm4_define([AT_PACKAGE_VERSION],   [$(PACKAGE_VERSION)])' && \
	  echo 'm4_define([AT_PACKAGE_STRING],    [$(PACKAGE_STRING)])' && \
	  echo 'm4_define([AT_PACKAGE_BUGREPORT], [$(PACKAGE_BUGREPORT)])'; \
	} >'$@.tmp' && mv '$@.tmp' '$@'
CLEANFILES += package.m4 tests/package.m4

# The suite's own output is kept in tests/testsuite.out for summarize.sh.
check-local: tests/atconfig tests/atlocal $(TESTSUITE) all
	@{ $(SHELL) '$(TESTSUITE)' -C tests AUTOTEST_PATH='$(AUTOTEST_PATH)' \
		$(TESTSUITEFLAGS); echo $$? > tests/testsuite.rc; } \
		| tee tests/testsuite.out; exit `cat tests/testsuite.rc`

clean-local:
	test ! -f '$(TESTSUITE)' || $(SHELL) '$(TESTSUITE)' -C tests --clean
	rm -f $(TESTSUITE)
