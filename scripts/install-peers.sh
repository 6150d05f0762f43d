#!/bin/bash
# Install the real SPICE peers the interop tests use (Debian 12 packages):
# Xspice, QEMU with SPICE, spice-gtk's spicy/spicy-screenshot, remote-viewer,
# spice-html5 + websockify + chromium, tshark, Xvfb, small X utilities and the
# GStreamer encoders spice-server uses for VP8/VP9/H.264 video streams.
#
#   scripts/install-peers.sh          (as root, or with sudo available)
#
# Safe to re-run: when every package is already installed it does nothing;
# otherwise apt-get installs only what is missing. About 740 MB, ~1 minute.
# tshark's debconf question (may non-superusers capture?) gets its default
# answer, no: run the capture tests as root.
set -euo pipefail

PACKAGES=(
  xvfb xserver-xspice qemu-system-x86 spice-client-gtk virt-viewer
  spice-html5 websockify tshark chromium
  x11-apps x11-xserver-utils x11-utils xdotool xterm imagemagick
  openssl iproute2 libjpeg-turbo-progs xclip xsel
  # spice-server's GStreamer video encoders (VP8/VP9, H.264) for the viewer's video tests
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly
)

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    exec sudo -n -- "$0" "$@"
  fi
  echo "install-peers.sh: must run as root (apt-get install); try: sudo $0" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-peers.sh: apt-get not found: this script targets Debian 12 (bookworm)" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-peers.sh: all ${#PACKAGES[@]} peer packages already installed"
  exit 0
fi

echo "install-peers.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${PACKAGES[@]}"
echo "install-peers.sh: done"
