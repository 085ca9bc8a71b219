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
  AC_MSG_CHECKING([for jansson's shared library])
  tmirror_jansson_libdir=`$PKG_CONFIG --variable=libdir jansson`
  JANSSON_SO=$tmirror_jansson_libdir/libjansson.so
  AS_IF([test -f "$JANSSON_SO"],
        [AC_MSG_RESULT([$JANSSON_SO])],
        [AC_MSG_RESULT([no])
         AC_MSG_ERROR([$JANSSON_SO not found: apt-get install libjansson-dev])])
  AC_SUBST([JANSSON_SO])
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

dnl TMIRROR_CHECK_OVS_LINK
dnl
dnl How programs link libopenvswitch.  Its JSON functions json_object(),
dnl json_array(), ... have the names of jansson's, so the build links a copy of
dnl each Open vSwitch archive with those symbols renamed (ovs/automake.mk).
dnl This reads libopenvswitch.la the way libtool does and sets
dnl
dnl   OVS_ARCHIVES           the static archives of libopenvswitch.la and of
dnl                          the libtool libraries it depends on
dnl   OVS_RENAMED_ARCHIVES   their renamed copies, ovs/NAME.a
dnl   OVS_DEP_LIBS           what follows ovs/libopenvswitch.a on a link line:
dnl                          the other renamed archives and the -l flags, in
dnl                          libtool's order
dnl
dnl and checks for the tools that do the renaming and the checks: objcopy,
dnl ranlib and nm (from libtool's LT_INIT).
AC_DEFUN([TMIRROR_CHECK_OVS_LINK], [
  AC_CHECK_TOOL([OBJCOPY], [objcopy], [no])
  AS_IF([test "$OBJCOPY" = no],
        [AC_MSG_ERROR([objcopy is required to rename libopenvswitch's JSON symbols: apt-get install binutils])])
  AC_PROG_RANLIB
  AC_MSG_CHECKING([whether $NM lists the defined symbols of libopenvswitch])
  tmirror_root_la=$OVS_BUILDDIR/lib/libopenvswitch.la
  tmirror_root_a=$OVS_BUILDDIR/lib/.libs/libopenvswitch.a
  AS_IF([$NM -g --defined-only "$tmirror_root_a" 2>/dev/null \
           | grep ' T ovsdb_idl_create$' >/dev/null \
         && $NM -D --defined-only "$JANSSON_SO" 2>/dev/null \
           | grep ' T json_loads' >/dev/null],
        [AC_MSG_RESULT([yes])],
        [AC_MSG_RESULT([no])
         AC_MSG_ERROR([$NM cannot list the symbols of $tmirror_root_a or $JANSSON_SO (GNU nm with --defined-only is required)])])

  OVS_ARCHIVES=
  OVS_RENAMED_ARCHIVES=
  OVS_DEP_LIBS=
  # Appends libtool library $[1], its archive and, recursively, what it
  # depends on.
  tmirror_add_la () {
    tmirror_lib=`sed -n "s/^old_library='\(.*\)'\$/\1/p" "$[1]"`
    tmirror_a=`dirname "$[1]"`/.libs/$tmirror_lib
    test -n "$tmirror_lib" && test -f "$tmirror_a" || return 1
    case " $OVS_ARCHIVES " in
      *" $tmirror_a "*) return 0 ;;
    esac
    case " $OVS_RENAMED_ARCHIVES " in
      *" ovs/$tmirror_lib "*) return 1 ;;
    esac
    OVS_ARCHIVES="$OVS_ARCHIVES $tmirror_a"
    OVS_RENAMED_ARCHIVES="$OVS_RENAMED_ARCHIVES ovs/$tmirror_lib"
    test "$[1]" = "$tmirror_root_la" || OVS_DEP_LIBS="$OVS_DEP_LIBS ovs/$tmirror_lib"
    for tmirror_dep in `sed -n "s/^dependency_libs='\(.*\)'\$/\1/p" "$[1]"`; do
      case $tmirror_dep in
        *.la) tmirror_add_la "$tmirror_dep" || return 1 ;;
        *) OVS_DEP_LIBS="$OVS_DEP_LIBS $tmirror_dep" ;;
      esac
    done
  }
  AC_MSG_CHECKING([for the archives libopenvswitch links with])
  AS_IF([tmirror_add_la "$tmirror_root_la"],
        [AC_MSG_RESULT([$OVS_ARCHIVES])],
        [AC_MSG_RESULT([no])
         AC_MSG_ERROR([cannot find the static archive of a library that $tmirror_root_la names (or two have the same name); rebuild Open vSwitch with static libraries])])
  AC_SUBST([OVS_ARCHIVES])
  AC_SUBST([OVS_RENAMED_ARCHIVES])
  AC_SUBST([OVS_DEP_LIBS])
])
