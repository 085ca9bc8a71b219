# tmirror-controller: one per hypervisor; reconciles the Traffic_Mirror intent
# into Mirror rows, a mirror bridge, its ports and its OpenFlow table.
bin_PROGRAMS += controller/tmirror-controller
controller_tmirror_controller_SOURCES = \
	controller/controller-commands.c \
	controller/controller-commands.h \
	controller/controller.h \
	controller/tmirror-controller.c
controller_tmirror_controller_LDADD = \
	controller/libtmirror-controller.la \
	lib/libtmirror.la \
	ovsdb/libtmirror-idl.la \
	$(OVS_LIBS)

# Everything but main(), so that unit tests can link the modules.
noinst_LTLIBRARIES += controller/libtmirror-controller.la
controller_libtmirror_controller_la_SOURCES = \
	controller/capture.c \
	controller/capture.h \
	controller/capture-tc.c \
	controller/capture-tc.h \
	controller/capture-tc-netlink.c \
	controller/capture-tc-netlink.h \
	controller/capture-tc-private.h \
	controller/capture-tc-source.c \
	controller/capture-tc-veth.c \
	controller/chassis.c \
	controller/chassis.h \
	controller/desired-flows.c \
	controller/desired-flows.h \
	controller/filter-compile.c \
	controller/filter-compile.h \
	controller/flow-encode.c \
	controller/flow-encode.h \
	controller/flow-table.c \
	controller/flow-table.h \
	controller/intent-monitor.c \
	controller/intent-monitor.h \
	controller/mirror-engine.c \
	controller/mirror-engine.h \
	controller/mirror-plan.c \
	controller/mirror-plan.h \
	controller/ofctrl.c \
	controller/ofctrl-bundle.c \
	controller/ofctrl-counters.c \
	controller/ofctrl-dump.c \
	controller/ofctrl-private.h \
	controller/ofctrl-query.c \
	controller/ofctrl.h \
	controller/ovs-index.c \
	controller/ovs-index.h \
	controller/path-verify.c \
	controller/path-verify.h \
	controller/pipeline.c \
	controller/pipeline.h \
	controller/plan-private.h \
	controller/plan-resolve.c \
	controller/plan-vswitch.c \
	controller/rule-set.c \
	controller/rule-set.h \
	controller/revalidate.c \
	controller/revalidate.h \
	controller/session-counters.c \
	controller/session-counters.h \
	controller/session-flows.c \
	controller/session-flows.h \
	controller/session-plan.c \
	controller/session-plan.h \
	controller/session-status.c \
	controller/session-status.h \
	controller/ssl-config.c \
	controller/ssl-config.h \
	controller/vswitch-sync.c \
	controller/vswitch-sync-bridge.c \
	controller/vswitch-sync-capture.c \
	controller/vswitch-sync-mirror.c \
	controller/vswitch-sync-port.c \
	controller/vswitch-sync-private.h \
	controller/vswitch-sync-stale.c \
	controller/vswitch-sync-tunnel.c \
	controller/vswitch-sync.h \
	controller/vswitchd-client.c \
	controller/vswitchd-client.h

man_MANS += controller/tmirror-controller.8
CLEANFILES += controller/tmirror-controller.8
EXTRA_DIST += controller/tmirror-controller.8.xml
controller/tmirror-controller.8: controller/tmirror-controller.8.xml
	$(AM_V_GEN)$(MKDIR_P) controller && \
	$(XML2NROFF) $(srcdir)/controller/tmirror-controller.8.xml \
		--version=$(VERSION) > $@.tmp && $(MAN_FOOTER) $@.tmp && mv $@.tmp $@
