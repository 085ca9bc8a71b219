# libtmirror: code shared by tmirror-ctl and tmirror-controller (parsing and
# validation of the intent: values, text, rows, and the row-scoped cross-row
# checks of a write).
noinst_LTLIBRARIES += lib/libtmirror.la
lib_libtmirror_la_SOURCES = \
	lib/intent-check.c \
	lib/intent-lookup.c \
	lib/intent-rows.c \
	lib/text.c \
	lib/validate.c
lib_libtmirror_la_LIBADD = ovsdb/libtmirror-idl.la $(OVS_LIBS)
