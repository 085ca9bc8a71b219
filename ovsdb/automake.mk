# The Traffic_Mirror schema, its generated C IDL (prefix tmrec_) and its
# documentation (tmirror.5, rendered by OVS's ovsdb-doc).

noinst_LTLIBRARIES += ovsdb/libtmirror-idl.la
nodist_ovsdb_libtmirror_idl_la_SOURCES = \
	ovsdb/tmirror-idl.c \
	ovsdb/tmirror-idl.h
ovsdb_libtmirror_idl_la_CFLAGS = $(AM_CFLAGS) -Wno-error
BUILT_SOURCES += ovsdb/tmirror-idl.c ovsdb/tmirror-idl.h
CLEANFILES += \
	ovsdb/tmirror-idl.c \
	ovsdb/tmirror-idl.h \
	ovsdb/tmirror-idl.ovsidl \
	ovsdb/tmirror.ovsschema.stamp \
	ovsdb/tmirror.5
EXTRA_DIST += \
	ovsdb/tmirror.ovsschema \
	ovsdb/tmirror-idl.ann \
	ovsdb/tmirror.xml

pkgdata_DATA = ovsdb/tmirror.ovsschema

ovsdb/tmirror-idl.ovsidl: ovsdb/tmirror.ovsschema ovsdb/tmirror-idl.ann ovsdb/tmirror.ovsschema.stamp
	$(AM_V_GEN)$(MKDIR_P) ovsdb && \
	$(OVSDB_IDLC) annotate $(srcdir)/ovsdb/tmirror.ovsschema \
		$(srcdir)/ovsdb/tmirror-idl.ann > $@.tmp && mv $@.tmp $@
ovsdb/tmirror-idl.c: ovsdb/tmirror-idl.ovsidl ovsdb/tmirror-idl.h
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-source $< > $@.tmp && mv $@.tmp $@
ovsdb/tmirror-idl.h: ovsdb/tmirror-idl.ovsidl
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-header $< > $@.tmp && mv $@.tmp $@

# The schema's version and checksum are checked on every build.
ALL_LOCAL += ovsdb/tmirror.ovsschema.stamp
ovsdb/tmirror.ovsschema.stamp: ovsdb/tmirror.ovsschema
	$(AM_V_GEN)$(MKDIR_P) ovsdb && \
	$(OVS_SRCDIR)/build-aux/cksum-schema-check $(srcdir)/ovsdb/tmirror.ovsschema $@

man_MANS += ovsdb/tmirror.5
ovsdb/tmirror.5: ovsdb/tmirror.xml ovsdb/tmirror.ovsschema
	$(AM_V_GEN)$(OVSDB_DOC) --version=$(VERSION) \
		$(srcdir)/ovsdb/tmirror.ovsschema \
		$(srcdir)/ovsdb/tmirror.xml > $@.tmp && $(MAN_FOOTER) $@.tmp && mv $@.tmp $@
