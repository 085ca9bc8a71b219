# libtmirror: code shared by tmirror-ctl and tmirror-controller (parsing and
# validation of the intent: values, text, rows, and the row-scoped cross-row
# checks of a write).
noinst_LTLIBRARIES += lib/libtmirror.la
lib_libtmirror_la_SOURCES = \
	lib/inc-engine.c \
	lib/intent-check.c \
	lib/intent-lookup.c \
	lib/row-demand.c \
	lib/intent-rows.c \
	lib/text.c \
	lib/txn-token.c \
	lib/validate.c \
	lib/vlan-set.c
lib_libtmirror_la_LIBADD = ovsdb/libtmirror-idl.la

# libtmirror-doc: the configuration as one JSON document (tmirror/intent-doc.h),
# for tmirror-ctl export/apply and any other program.  These files use
# jansson and never OVS's JSON API (README, Decisions, "jansson and
# libopenvswitch"); programs link it before lib/libtmirror.la.
noinst_LTLIBRARIES += lib/libtmirror-doc.la
lib_libtmirror_doc_la_SOURCES = \
	lib/intent-doc.c \
	lib/intent-doc-parse.c \
	lib/jpath.c
lib_libtmirror_doc_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
lib_libtmirror_doc_la_LIBADD = $(JANSSON_LIBS)
