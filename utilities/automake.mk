# tmirror-ctl: the operator's command line, built on OVS's db-ctl-base.
bin_PROGRAMS += utilities/tmirror-ctl
utilities_tmirror_ctl_SOURCES = \
	utilities/tmirror-ctl.c \
	utilities/ctl-apply.c \
	utilities/ctl-apply.h \
	utilities/ctl-apply-rows.c \
	utilities/ctl-apply-rows.h \
	utilities/ctl-export.c \
	utilities/ctl-export.h \
	utilities/ctl-intent.c \
	utilities/ctl-intent.h
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

EXTRA_DIST += utilities/tmirror-sandbox.sh
