#!/usr/bin/env bash
# Installs the Debian 12 packages roster needs to build, test and run locally,
# if any is missing. Called by `make run` and `make test`; a no-op (one dpkg-query)
# when everything is there. Needs root (or sudo) only when it has to install.
#
# The packaged mariadb, nginx and apache2 services are never used (the local stack
# and the deployment tests run private instances), so they are kept from starting
# on install.

set -euo pipefail

PACKAGES=(
	build-essential pkg-config
	libfcgi-dev default-libmysqlclient-dev libjansson-dev libsodium-dev
	libcurl4-openssl-dev libmemcached-dev libcmocka-dev
	memcached        # the optional rate-limit store (rate_store = memcached)
	mariadb-server mariadb-client nginx-light
	curl python3
	tzdata           # the IANA time zones a website's timezone is checked against
	python3-aiosmtpd # the SMTP receiver of the delivery tests
	chromium         # the join page's browser test (driven by playwright-core)
	clang libclang-rt-14-dev # clang's sanitizer runtimes: make asan
	clang-format     # make check-format (run by make test), make format
	wrk gnuplot-nox  # make bench: the load generator and the chart
	apache2 libapache2-mod-fcgid spawn-fcgi systemd # tests/e2e/test_deploy.py: Apache (mod_proxy_fcgi, mod_fcgid), spawn-fcgi, systemd-socket-activate
	galera-4 mariadb-backup rsync socat iproute2 # make test-cluster: a Galera cluster (deploy/galera)
)
# Node.js drives the browser test and the DatoCMS client test; the machine
# image usually has it, Debian's packages otherwise.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	PACKAGES+=(nodejs npm)
fi

# Services of these packages that must not start when installed.
SERVICES=(mariadb mysql nginx apache2 apache-htcacheclean)

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
PROG=deps.sh
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$SCRIPT_DIR/../lib.sh"

command -v dpkg-query >/dev/null ||
	die "not a Debian system; install by hand: ${PACKAGES[*]}"

# One dpkg-query for all packages; unknown ones print nothing (and make it fail).
declare -A installed=()
while read -r name want ok state; do
	if [ "$want $ok $state" = "install ok installed" ]; then
		installed[$name]=1
	fi
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)

missing=()
for p in "${PACKAGES[@]}"; do
	[ -n "${installed[$p]:-}" ] || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0

SUDO=()
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null ||
		die "missing packages and not root: apt-get install ${missing[*]}"
	SUDO=(sudo)
fi

say "installing: ${missing[*]}"

# Keep the packaged services from starting: invoke-rc.d (and deb-systemd-invoke)
# ask /usr/sbin/policy-rc.d; exit 101 means "forbidden". Only if there is no
# policy already (containers often have one), and removed again afterwards.
POLICY=/usr/sbin/policy-rc.d
POLICY_MARK='# roster deps.sh: temporary'
cleanup() {
	if [ -f "$POLICY" ] && grep -qF "$POLICY_MARK" "$POLICY" 2>/dev/null; then
		"${SUDO[@]}" rm -f "$POLICY"
	fi
	[ -z "${LOG:-}" ] || rm -f "$LOG"
}
trap cleanup EXIT
if [ ! -e "$POLICY" ]; then
	# shellcheck disable=SC2016 # $1 is for the policy script
	printf '#!/bin/sh\n%s\ncase "$1" in %s) exit 101 ;; esac\nexit 0\n' \
		"$POLICY_MARK" "$(IFS='|'; echo "${SERVICES[*]}")" |
		"${SUDO[@]}" tee "$POLICY" >/dev/null
	"${SUDO[@]}" chmod 755 "$POLICY"
fi

# Which system instances ran before, so that only what this install started is
# stopped below.
running_before=
for pidfile in /run/mysqld/mysqld.pid /run/nginx.pid /run/apache2/apache2.pid; do
	if [ -s "$pidfile" ]; then
		running_before="$running_before $pidfile"
	fi
done

LOG=$(mktemp)
apt_get() {
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"$@" >>"$LOG" 2>&1
}
if ! apt_get update; then
	tail -n 30 "$LOG" >&2
	die "apt-get update failed"
fi
if ! apt_get install --no-install-recommends "${missing[@]}"; then
	tail -n 30 "$LOG" >&2
	die "apt-get install failed: ${missing[*]}"
fi

# Belt and braces: a system without policy-rc.d support, or one whose own policy
# allowed the start. Stop only instances that were not running before.
for pidfile in /run/mysqld/mysqld.pid /run/nginx.pid /run/apache2/apache2.pid; do
	case " $running_before " in *" $pidfile "*) continue ;; esac
	[ -s "$pidfile" ] || continue
	read -r pid <"$pidfile" || continue
	case $pidfile in
	*mysqld*) unit=mariadb ;;
	*apache2*) unit=apache2 ;;
	*) unit=nginx ;;
	esac
	say "stopping the packaged $unit service started by the install (not used)"
	if [ -d /run/systemd/system ]; then
		"${SUDO[@]}" systemctl stop "$unit" || true
	else
		"${SUDO[@]}" kill -TERM "$pid" 2>/dev/null || true
	fi
done

say "done"
