# tmirror-api: the HTTP API (native JSON, EC2 Traffic Mirroring dialect,
# Prometheus metrics) of the Traffic_Mirror database.  libevent's HTTP
# server runs in a thread of its own; everything else in OVS's poll loop.
bin_PROGRAMS += api/tmirror-api
api_tmirror_api_SOURCES = \
	api/tmirror-api.c \
	api/api-apply.c \
	api/api-apply.h \
	api/access-log.c \
	api/access-log.h \
	api/api-auth.c \
	api/api-auth.h \
	api/api-call.c \
	api/api-call.h \
	api/api-db.c \
	api/api-db.h \
	api/api-ec2.c \
	api/api-ec2.h \
	api/api-form.c \
	api/api-form.h \
	api/api-ids.c \
	api/api-ids.h \
	api/api-json.c \
	api/api-json.h \
	api/api-metrics.c \
	api/api-metrics.h \
	api/api-native.c \
	api/api-native.h \
	api/api-openapi.c \
	api/api-openapi.h \
	api/api-queue.c \
	api/api-queue.h \
	api/api-request.c \
	api/api-request.h \
	api/auth-config.c \
	api/ec2-describe.c \
	api/ec2-internal.h \
	api/ec2-params.c \
	api/ec2-render.c \
	api/ec2-xml.c \
	api/ec2-xml.h \
	api/http-conns.c \
	api/http-conns.h \
	api/http-server.c \
	api/http-server.h \
	api/native-internal.h \
	api/native-request.c \
	api/sigv4.c \
	api/sigv4.h
nodist_api_tmirror_api_SOURCES = api/openapi-doc.c
api_tmirror_api_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/api
api_tmirror_api_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBEVENT_CFLAGS)
api_tmirror_api_LDADD = \
	lib/libtmirror-doc.la \
	lib/libtmirror.la \
	ovsdb/libtmirror-idl.la \
	$(OVS_LIBS) \
	$(JANSSON_LIBS) \
	$(LIBEVENT_LIBS)

# The OpenAPI document, compiled in.
BUILT_SOURCES += api/openapi-doc.c
CLEANFILES += api/openapi-doc.c
EXTRA_DIST += api/openapi.json api/openapi-gen.py
api/openapi-doc.c: api/openapi.json api/openapi-gen.py
	$(AM_V_GEN)$(MKDIR_P) api && \
	$(PYTHON3) $(srcdir)/api/openapi-gen.py $(srcdir)/api/openapi.json \
		> $@.tmp && mv $@.tmp $@

man_MANS += api/tmirror-api.8
CLEANFILES += api/tmirror-api.8
EXTRA_DIST += api/tmirror-api.8.xml
api/tmirror-api.8: api/tmirror-api.8.xml
	$(AM_V_GEN)$(MKDIR_P) api && \
	$(XML2NROFF) $(srcdir)/api/tmirror-api.8.xml \
		--version=$(VERSION) > $@.tmp && $(MAN_FOOTER) $@.tmp && mv $@.tmp $@
