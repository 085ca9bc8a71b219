# libtmirror: code shared by tmirror-ctl and tmirror-controller (parsing and
# validation of the intent), independent of any database connection.
noinst_LTLIBRARIES += lib/libtmirror.la
lib_libtmirror_la_SOURCES = \
	lib/inc-engine.c \
	lib/intent-rows.c \
	lib/validate.c
lib_libtmirror_la_LIBADD = ovsdb/libtmirror-idl.la $(OVS_LIBS)
