# Debian packaging: "dpkg-buildpackage -us -uc -b" in the source tree;
# tests/debian-packages.sh builds and installs the packages.
EXTRA_DIST += \
	debian/build-libopenvswitch \
	debian/changelog \
	debian/control \
	debian/copyright \
	debian/not-installed \
	debian/rules \
	debian/source/format \
	debian/tmirror-api.install \
	debian/tmirror-central.default \
	debian/tmirror-central.dirs \
	debian/tmirror-central.install \
	debian/tmirror-central.logrotate \
	debian/tmirror-central.postrm \
	debian/tmirror-common.install \
	debian/tmirror-host.default \
	debian/tmirror-host.install
