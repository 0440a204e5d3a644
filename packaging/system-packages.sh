#!/bin/sh
# The system packages crm-importer needs, installed with the system's package manager (sudo when not root).
#   sh packaging/system-packages.sh          the app: Python's venv, the libraries Qt's window needs
#   sh packaging/system-packages.sh --test   and what the tests drive: Qt offscreen, a transaction-mode
#                                            pooler (pgbouncer), nftables, openssl, PostgreSQL's tools
# Debian and Ubuntu (apt), Fedora and RHEL (dnf). Windows and macOS need nothing: it says so and exits.
# README's two set-up commands start with it; .ci/run runs README's test command, so CI installs the same.
set -eu

case "$(uname -s)" in
  Linux) ;;
  *) echo "system-packages: nothing to install on $(uname -s)"; exit 0 ;;
esac

test_deps=no
[ "${1:-}" = "--test" ] && test_deps=yes

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "system-packages: not root and no sudo: install the packages below by hand" >&2
  fi
fi

# Every library Qt's xcb plugin links (crm_importer/gui/display.py names a missing one before Qt starts).
APT_APP="python3-venv libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 fonts-dejavu-core \
libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-util1 libxkbcommon-x11-0 \
libxkbcommon0 libx11-xcb1 libxcb-randr0 libxcb-render0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 \
libxcb-xkb1 libxcb1"
APT_TEST="binutils pgbouncer nftables openssl postgresql"
DNF_APP="python3 mesa-libEGL mesa-libGL glib2 fontconfig freetype dbus-libs dejavu-sans-fonts xcb-util-cursor \
xcb-util-wm xcb-util-keysyms xcb-util-image xcb-util-renderutil libxkbcommon-x11 libxkbcommon"
DNF_TEST="binutils pgbouncer nftables openssl postgresql-server"

if command -v apt-get >/dev/null 2>&1; then
  packages="$APT_APP"
  [ "$test_deps" = yes ] && packages="$packages $APT_TEST"
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086 # word splitting of the package lists is meant
  $SUDO apt-get update -qq || echo "system-packages: apt-get update failed; trying with the lists there are" >&2
  # shellcheck disable=SC2086
  if ! $SUDO apt-get install -y -qq --no-install-recommends $packages >/dev/null; then
    echo "system-packages: some packages could not be installed: $packages" >&2
  fi
elif command -v dnf >/dev/null 2>&1; then
  packages="$DNF_APP"
  [ "$test_deps" = yes ] && packages="$packages $DNF_TEST"
  # shellcheck disable=SC2086
  if ! $SUDO dnf install -y -q $packages; then
    echo "system-packages: some packages could not be installed: $packages" >&2
  fi
else
  echo "system-packages: no apt-get or dnf here; see README for the libraries Qt needs" >&2
fi
