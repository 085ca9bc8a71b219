# Unit tests (cmocka, no daemons) and the OVS-style Autotest suite (real
# ovsdb-server, ovs-vswitchd on the dummy datapath, tmirror-controller).

if HAVE_CMOCKA
UNIT_TESTS = \
	tests/test-validate \
	tests/test-ctl-json \
	tests/test-flow-table \
	tests/test-filter-compile \
	tests/test-pipeline \
	tests/test-session-counters
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
UNIT_LDADD = lib/libtmirror.la ovsdb/libtmirror-idl.la $(OVS_LIBS) $(CMOCKA_LIBS)

tests_test_validate_SOURCES = tests/test-validate.c
tests_test_validate_CFLAGS = $(UNIT_CFLAGS)
tests_test_validate_LDADD = $(UNIT_LDADD)

# The document layer of tmirror-ctl export/apply; ctl-json.c also holds the
# commands, which need ctl-intent.c.
tests_test_ctl_json_SOURCES = \
	tests/test-ctl-json.c \
	utilities/ctl-json.c \
	utilities/ctl-intent.c
tests_test_ctl_json_CFLAGS = $(UNIT_CFLAGS) $(JANSSON_CFLAGS) \
	-I$(top_srcdir)/utilities
tests_test_ctl_json_LDADD = $(UNIT_LDADD) $(JANSSON_LIBS)

tests_test_flow_table_SOURCES = tests/test-flow-table.c
tests_test_flow_table_CFLAGS = $(UNIT_CFLAGS)
CONTROLLER_UNIT_LDADD = controller/libtmirror-controller.la $(UNIT_LDADD)
tests_test_flow_table_LDADD = $(CONTROLLER_UNIT_LDADD)

tests_test_session_counters_SOURCES = tests/test-session-counters.c
tests_test_session_counters_CFLAGS = $(UNIT_CFLAGS)
tests_test_session_counters_LDADD = $(CONTROLLER_UNIT_LDADD)

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

# Driver for tests/ofctrl.at (controller/ofctrl.c against a real
# ovs-vswitchd).
noinst_PROGRAMS += tests/test-ofctrl
tests_test_ofctrl_SOURCES = tests/test-ofctrl.c
tests_test_ofctrl_LDADD = \
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

# The Autotest suite.
TESTSUITE_AT = \
	tests/testsuite.at \
	tests/tmirror-macros.at \
	tests/schema.at \
	tests/system-traffic.at \
	tests/capture-tc.at \
	tests/controller.at \
	tests/controller-semantics.at \
	tests/controller-robustness.at \
	tests/controller-multihost.at \
	tests/tmirror-ctl.at \
	tests/vswitch-sync.at \
	tests/ofctrl.at \
	tests/tmirror-ctl-json.at
EXTRA_DIST += $(TESTSUITE_AT) tests/atlocal.in tests/summarize.sh
EXTRA_DIST += tests/real-traffic-lab.sh tests/capture-tc-lab.sh
TESTSUITE = $(srcdir)/tests/testsuite
DISTCLEANFILES += tests/atconfig tests/atlocal
CLEANFILES += tests/testsuite.out tests/testsuite.rc
AUTOM4TE = autom4te
AUTOTEST = $(AUTOM4TE) -l autotest
AUTOTEST_PATH = $(abs_top_builddir)/utilities:$(abs_top_builddir)/controller:$(abs_top_builddir)/tests

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
