# tmirror-ctl: the operator's command line, built on OVS's db-ctl-base.
bin_PROGRAMS += utilities/tmirror-ctl
utilities_tmirror_ctl_SOURCES = \
	utilities/tmirror-ctl.c \
	utilities/ctl-access.c \
	utilities/ctl-access.h \
	utilities/ctl-apply-rows.c \
	utilities/ctl-apply-rows.h \
	utilities/ctl-apply.c \
	utilities/ctl-apply.h \
	utilities/ctl-common.c \
	utilities/ctl-common.h \
	utilities/ctl-export.c \
	utilities/ctl-export.h \
	utilities/ctl-failover.c \
	utilities/ctl-failover.h \
	utilities/ctl-filter.c \
	utilities/ctl-filter.h \
	utilities/ctl-intent.c \
	utilities/ctl-intent.h \
	utilities/ctl-options.c \
	utilities/ctl-options.h \
	utilities/ctl-rule.c \
	utilities/ctl-rule.h \
	utilities/ctl-scope.c \
	utilities/ctl-scope.h \
	utilities/ctl-session.c \
	utilities/ctl-session.h \
	utilities/ctl-show.c \
	utilities/ctl-show.h \
	utilities/ctl-target.c \
	utilities/ctl-target.h \
	utilities/ctl-wait.c \
	utilities/ctl-wait.h
utilities_tmirror_ctl_LDADD = \
	lib/libtmirror-doc.la \
	lib/libtmirror.la \
	ovsdb/libtmirror-idl.la \
	$(OVS_LIBS) \
	$(JANSSON_LIBS)

man_MANS += utilities/tmirror-ctl.8
CLEANFILES += utilities/tmirror-ctl.8
EXTRA_DIST += utilities/tmirror-ctl.8.xml
utilities/tmirror-ctl.8: utilities/tmirror-ctl.8.xml
	$(AM_V_GEN)$(MKDIR_P) utilities && \
	$(XML2NROFF) $(srcdir)/utilities/tmirror-ctl.8.xml \
		--version=$(VERSION) > $@.tmp && $(MAN_FOOTER) $@.tmp && mv $@.tmp $@

EXTRA_DIST += \
	utilities/tmirror-sandbox.sh \
	utilities/tmirror-sandbox-hosts.sh \
	utilities/tmirror-sandbox-lib.sh

# tmirror-service: the service script (in the style of OVN's ovn-ctl) that
# the systemd units run; installed where OVN puts ovn-ctl.
scriptsdir = $(pkgdatadir)/scripts
scripts_SCRIPTS = utilities/tmirror-service
CLEANFILES += utilities/tmirror-service
EXTRA_DIST += utilities/tmirror-service.in

# systemd units.  Debian's is /lib/systemd/system: "make install
# systemdunitdir=/lib/systemd/system" (debian/rules does).
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = \
	utilities/systemd/tmirror-db.service \
	utilities/systemd/tmirror-controller.service
CLEANFILES += $(systemdunit_DATA)
EXTRA_DIST += \
	utilities/systemd/tmirror-db.service.in \
	utilities/systemd/tmirror-controller.service.in

# Substitutes the installation directories into a script or unit.
SUBST_DIRS = $(SED) \
	-e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@pkgdatadir[@]|$(pkgdatadir)|g'
utilities/tmirror-service: utilities/tmirror-service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) utilities && \
	$(SUBST_DIRS) $(srcdir)/utilities/tmirror-service.in > $@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@
utilities/systemd/%.service: utilities/systemd/%.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) utilities/systemd && \
	$(SUBST_DIRS) $< > $@.tmp && mv $@.tmp $@

man_MANS += utilities/tmirror-service.8
CLEANFILES += utilities/tmirror-service.8
EXTRA_DIST += utilities/tmirror-service.8.xml
utilities/tmirror-service.8: utilities/tmirror-service.8.xml
	$(AM_V_GEN)$(MKDIR_P) utilities && \
	$(XML2NROFF) $(srcdir)/utilities/tmirror-service.8.xml \
		--version=$(VERSION) > $@.tmp && $(MAN_FOOTER) $@.tmp && mv $@.tmp $@
