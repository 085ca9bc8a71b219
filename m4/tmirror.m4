# -*- autoconf -*-
# Copyright (c) 2026 The tmirror authors.
#
# Licensed under the Apache License, Version 2.0 (the "License").

dnl TMIRROR_CHECK_OVS
dnl
dnl Finds the Open vSwitch source tree (for headers, ovsdb-idlc, ovsdb-doc and
dnl the test macros) and build tree (for config.h and libopenvswitch.la), as
dnl given by --with-ovs-source and --with-ovs-build, in the style of OVN.
AC_DEFUN([TMIRROR_CHECK_OVS], [
  AC_ARG_WITH([ovs-source],
              [AS_HELP_STRING([--with-ovs-source=DIR],
                              [configured Open vSwitch source tree])],
              [OVS_SRCDIR=`cd "$withval" && pwd`],
              [OVS_SRCDIR=`pwd`/_ovs/openvswitch])
  AC_ARG_WITH([ovs-build],
              [AS_HELP_STRING([--with-ovs-build=DIR],
                              [Open vSwitch build tree (default: source tree)])],
              [OVS_BUILDDIR=`cd "$withval" && pwd`],
              [OVS_BUILDDIR=$OVS_SRCDIR])
  AC_MSG_CHECKING([for the Open vSwitch source tree])
  AS_IF([test -f "$OVS_SRCDIR/ovsdb/ovsdb-idlc.in" && test -f "$OVS_SRCDIR/lib/db-ctl-base.h"],
        [AC_MSG_RESULT([$OVS_SRCDIR])],
        [AC_MSG_RESULT([no])
         AC_MSG_ERROR([$OVS_SRCDIR is not an Open vSwitch source tree: use --with-ovs-source (utilities/quickstart.sh build prepares one)])])
  AC_MSG_CHECKING([for libopenvswitch in the Open vSwitch build tree])
  AS_IF([test -f "$OVS_BUILDDIR/lib/libopenvswitch.la" && test -f "$OVS_BUILDDIR/config.h"],
        [AC_MSG_RESULT([$OVS_BUILDDIR])],
        [AC_MSG_RESULT([no])
         AC_MSG_ERROR([$OVS_BUILDDIR/lib/libopenvswitch.la not found: build it first or use --with-ovs-build])])
  OVS_VERSION=`sed -n 's/^#define VERSION "\(.*\)"/\1/p' "$OVS_BUILDDIR/config.h"`
  AC_MSG_NOTICE([building against Open vSwitch $OVS_VERSION])
  OVS_CFLAGS="-I$OVS_BUILDDIR -I$OVS_SRCDIR/include -I$OVS_BUILDDIR/include -I$OVS_SRCDIR/lib -I$OVS_BUILDDIR/lib -I$OVS_SRCDIR"
  OVS_LIBDIR=$OVS_BUILDDIR/lib
  AC_SUBST([OVS_SRCDIR])
  AC_SUBST([OVS_BUILDDIR])
  AC_SUBST([OVS_VERSION])
  AC_SUBST([OVS_CFLAGS])
  AC_SUBST([OVS_LIBDIR])
])

dnl TMIRROR_CHECK_DEPS
dnl
dnl Debian packages that tmirror itself uses: jansson (JSON export/apply) and
dnl cmocka (unit tests), plus the libraries libopenvswitch was built against.
AC_DEFUN([TMIRROR_CHECK_DEPS], [
  PKG_CHECK_MODULES([JANSSON], [jansson >= 2.10], [],
                    [AC_MSG_ERROR([jansson not found: apt-get install libjansson-dev])])
  PKG_CHECK_MODULES([CMOCKA], [cmocka >= 1.1], [HAVE_CMOCKA=yes],
                    [HAVE_CMOCKA=no
                     AC_MSG_WARN([cmocka not found: unit tests will not build (apt-get install libcmocka-dev)])])
  AM_CONDITIONAL([HAVE_CMOCKA], [test "$HAVE_CMOCKA" = yes])
  dnl tmirror-api: libevent's HTTP server, in its own thread (pthreads), with
  dnl TLS through libevent's OpenSSL bufferevents.
  PKG_CHECK_MODULES([LIBEVENT],
                    [libevent >= 2.1 libevent_pthreads >= 2.1 libevent_openssl >= 2.1],
                    [],
                    [AC_MSG_ERROR([libevent not found: apt-get install libevent-dev])])
  AC_SEARCH_LIBS([pow], [m])
  AC_SEARCH_LIBS([clock_gettime], [rt])
  AC_SEARCH_LIBS([pthread_create], [pthread])
])

dnl TMIRROR_ENABLE_WERROR
dnl
dnl -Wall -Wextra -Werror, as the coding style asks.  Unused parameters are
dnl common in callbacks (unixctl, db-ctl-base), so they are allowed, as in OVS.
AC_DEFUN([TMIRROR_ENABLE_WERROR], [
  TMIRROR_WARNING_CFLAGS="-Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers"
  AC_SUBST([TMIRROR_WARNING_CFLAGS])
])
