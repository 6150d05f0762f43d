#!/bin/bash
# (Re)create the golden SPICE captures in test/fixtures/golden/.
#
#   scripts/capture-golden.sh [--keep-pcaps DIR] [--no-readme] [NAME...]
#
# For each session: start a SPICE server (QEMU or Xspice) on a free loopback
# port in 20000-29999, start `tshark -i lo -f 'tcp port P' -w F.pcapng`, run
# a reference client (spicy-screenshot, or remote-viewer / spicy under their
# own Xvfb, driven with xdotool),
# stop tshark with SIGINT, stop everything this script started (by PID), and
# turn the capture into test/fixtures/golden/NAME.json.gz with
# scripts/capture-golden/golden.py. With no NAME, every session runs and the
# README.md beside the fixtures is rewritten from the captures.
#
# Sessions: qemu-spicy-screenshot qemu-password-spicy-screenshot
#           qemu-all-remote-viewer qemu-all-spicy xspice-remote-viewer
#           xspice-quic xspice-lz xspice-glz xspice-jpeg-zlib-glz
#           xspice-stream-mjpeg
#
# Needs root (Xorg accepts an absolute -config path only as root) and the
# Debian 12 packages qemu-system-x86, xserver-xspice, spice-client-gtk,
# virt-viewer, xvfb, tshark, xdotool, x11-apps, x11-xserver-utils, xterm,
# imagemagick. Everything runs on 127.0.0.1 only. KEEP_WORK=1 keeps the work
# directory (logs, configs, captures, summaries) in /tmp.
set -u
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
HELPER="$HERE/capture-golden/golden.py"
OUT="$ROOT/test/fixtures/golden"
ALL_SESSIONS=(qemu-spicy-screenshot qemu-password-spicy-screenshot qemu-all-remote-viewer qemu-all-spicy
  xspice-remote-viewer xspice-quic xspice-lz xspice-glz xspice-jpeg-zlib-glz xspice-stream-mjpeg)

keep_pcaps= readme=1 sessions=()
while [ $# -gt 0 ]; do
  case "$1" in
  --keep-pcaps) keep_pcaps=$2; shift 2 ;;
  --no-readme) readme=; shift ;;
  -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
  -*) echo "unknown option $1" >&2; exit 2 ;;
  *) sessions+=("$1"); shift ;;
  esac
done
if [ ${#sessions[@]} = 0 ]; then
  sessions=("${ALL_SESSIONS[@]}")
else
  readme=  # the README describes a complete run
fi

log() { echo "[capture-golden] $*" >&2; }
die() { log "error: $*"; exit 1; }

for c in qemu-system-x86_64 spicy-screenshot remote-viewer Xvfb tshark xdotool xdpyinfo \
  xsetroot xclock xeyes xlogo xterm xwud animate python3 ss dpkg-query; do
  command -v "$c" >/dev/null 2>&1 || die "missing command '$c'"
done
XORG=/usr/lib/xorg/Xorg
[ -x "$XORG" ] && [ -f /usr/lib/xorg/modules/drivers/spiceqxl_drv.so ] || die "xserver-xspice is not installed"
[ "$(id -u)" = 0 ] || die "run as root (Xorg takes an absolute -config path only as root)"
if [ -x /usr/bin/convert ]; then IM_CONVERT=/usr/bin/convert; else IM_CONVERT=convert; fi

WORK=$(mktemp -d /tmp/capture-golden.XXXXXX)
mkdir -p "$OUT"
[ -n "$keep_pcaps" ] && mkdir -p "$keep_pcaps"

# ---------------------------------------------------------------------------
# processes: every PID we start is recorded with its expected /proc comm and
# stopped by that PID (never by name), newest first.
PIDS=() COMMS=()

alive() { # running and not a zombie
  local st
  st=$(sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# spawn LOG CMD...: start CMD detached in its own session (setsid execs in
# place, so $! is the program's PID); sets $SPAWNED and records the PID with
# the /proc comm the program will have (env and VAR=... prefixes skipped;
# comm is the first 15 bytes of the file name that was exec'd).
spawn() {
  local logf=$1; shift
  local a exe
  for a in "$@"; do
    case "$a" in env | *=*) continue ;; esac
    exe=$a; break
  done
  exe=$(basename "$(command -v "$exe")")  # comm is the name exec'd (a symlink's own name)
  setsid "$@" >"$logf" 2>&1 </dev/null &
  SPAWNED=$!
  PIDS+=("$SPAWNED") COMMS+=("${exe:0:15}")
}

# stop_pid PID [SIGNAL]: signal it (default TERM), wait, KILL after 8 s.
stop_pid() {
  local pid=$1 sig=${2:-TERM} i comm= cur
  for i in "${!PIDS[@]}"; do [ "${PIDS[$i]}" = "$pid" ] && comm=${COMMS[$i]}; done
  if alive "$pid"; then
    # a just-forked child may not have exec'd yet: give it a moment
    for ((i = 0; i < 10; i++)); do
      cur=$(cat "/proc/$pid/comm" 2>/dev/null)
      [ -z "$comm" ] || [ "$cur" = "$comm" ] && break
      sleep 0.1
    done
    if [ -n "$comm" ] && [ "$cur" != "$comm" ]; then
      log "warning: pid $pid is '$cur', not '$comm': left alone"
    else
      kill "-$sig" "$pid" 2>/dev/null
      for ((i = 0; i < 80; i++)); do alive "$pid" || break; sleep 0.1; done
      if alive "$pid"; then log "pid $pid ($comm) ignored SIG$sig: KILL"; kill -KILL "$pid" 2>/dev/null; sleep 0.2; fi
    fi
  fi
  alive "$pid" || wait "$pid" 2>/dev/null  # reap our child
  for i in "${!PIDS[@]}"; do [ "${PIDS[$i]}" = "$pid" ] && unset "PIDS[$i]" "COMMS[$i]"; done
  PIDS=("${PIDS[@]}") COMMS=("${COMMS[@]}")
}

stop_all() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[$i]}"; done
  for d in "${DISPLAYS[@]}"; do clean_display "$d"; done
  DISPLAYS=()
}
DISPLAYS=()
cleanup() {
  stop_all
  if [ -n "${KEEP_WORK:-}" ]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
# ports and displays

port_in_use() { ss -Htan "( sport = :$1 or dport = :$1 )" 2>/dev/null | grep -q .; }
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 10000))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  return 1
}
wait_port() { # PORT SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
    sleep 0.1
  done
  return 1
}
free_display() {
  local n start=$((100 + RANDOM % 300))
  for ((n = start; n < start + 200; n++)); do
    [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] || { echo "$n"; return 0; }
  done
  return 1
}
wait_display() { # N SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    [ -S "/tmp/.X11-unix/X$1" ] && DISPLAY=":$1" xdpyinfo >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
clean_display() { # remove the lock/socket of an X server we stopped
  local n=$1 pid
  if [ -f "/tmp/.X$n-lock" ]; then
    pid=$(tr -dc 0-9 <"/tmp/.X$n-lock")
    if [ -z "$pid" ] || ! alive "$pid"; then rm -f "/tmp/.X$n-lock" "/tmp/.X11-unix/X$n"; fi
  fi
}

# ---------------------------------------------------------------------------
# versions (for the fixture descriptions)

pkgv() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'; }
QEMU_VERSION=$(qemu-system-x86_64 --version | head -1)
V_GTK="spice-client-gtk $(pkgv spice-client-gtk)"
V_VV="virt-viewer $(pkgv virt-viewer)"
V_SRV="libspice-server1 $(pkgv libspice-server1)"
V_XSPICE="xserver-xspice $(pkgv xserver-xspice)"
V_XORG="xserver-xorg-core $(pkgv xserver-xorg-core)"
V_TSHARK="tshark $(pkgv tshark)"
TODAY=$(date -u +%F)

# ---------------------------------------------------------------------------
# servers

# start_qemu PORT EXTRA_SPICE_OPTS [QEMU ARGS...]
start_qemu() {
  local port=$1 sopts=$2; shift 2
  spawn "$WORK/qemu-$port.log" qemu-system-x86_64 -accel tcg -display none -nic none \
    -vga qxl -m 128 -name "golden-$port" -spice "port=$port,addr=127.0.0.1$sopts" "$@"
  wait_port "$port" 20 || { cat "$WORK/qemu-$port.log" >&2; die "QEMU did not listen on $port"; }
}

QEMU_ALL_ARGS=(-device virtio-serial-pci
  -chardev spicevmc,id=vdagent0,name=vdagent
  -device virtserialport,chardev=vdagent0,name=com.redhat.spice.0
  -audiodev spice,id=snd0 -device ich9-intel-hda -device hda-duplex,audiodev=snd0
  -device qemu-xhci -chardev spicevmc,id=usbredir0,name=usbredir -device usb-redir,chardev=usbredir0
  -chardev spiceport,id=webdav0,name=org.spice-space.webdav.0
  -device virtserialport,chardev=webdav0,name=org.spice-space.webdav.0)

# write_xspice_conf FILE [EXTRA OPTION LINES]: a complete spiceqxl config
# (under Xorg 21 every unset driver option reads as 0, so set them all).
# The extra lines come first: Xorg uses the first occurrence of an option.
write_xspice_conf() {
  local f=$1 extra=${2:-}
  # one copy of the config, shared with the test harness
  awk -v extra="$extra" '/# @EXTRA_OPTIONS@/ { if (extra != "") print extra; next } { print }' \
    "$(dirname "${BASH_SOURCE[0]}")/../test/harness/xspice.xorg.conf" >"$f"
}

# start_xspice PORT "EXTRA OPTION LINES": sets XS_DISPLAY
start_xspice() {
  local port=$1 extra=${2:-} conf="$WORK/xspice-$port.conf"
  write_xspice_conf "$conf" "$extra"
  XS_DISPLAY=$(free_display) || die "no free X display"
  spawn "$WORK/xspice-$port.log" env XSPICE_ADDR=127.0.0.1 XSPICE_PORT="$port" XSPICE_DISABLE_TICKETING=1 \
    "$XORG" -config "$conf" -noreset -nolisten tcp -novtswitch -sharevts \
    -logfile "$WORK/xspice-$port.xorg.log" ":$XS_DISPLAY"
  DISPLAYS+=("$XS_DISPLAY")
  if ! wait_port "$port" 20 || ! wait_display "$XS_DISPLAY" 20; then
    tail -30 "$WORK/xspice-$port.xorg.log" >&2
    die "Xspice did not come up on :$XS_DISPLAY / port $port"
  fi
}

# xs_client CMD...: an X client on the Xspice display
xs_client() {
  local name=$1
  DISPLAY=":$XS_DISPLAY" spawn "$WORK/xs-$name.log" "$@"
}

# the demo desktop: coloured root, xclock, xeyes, xlogo
xspice_demo() {
  DISPLAY=":$XS_DISPLAY" xsetroot -solid steelblue
  xs_client xclock -update 1 -geometry 180x180+40+40
  xs_client xeyes -geometry 200x150+260+60
  xs_client xlogo -geometry 150x150+500+60
}

# the coloured-text xterm: N lines (default 50), D seconds apart
XTERM_LOOP='for i in $(seq 1 ${N:-50}); do printf "\e[3$((i%8))mline $i \e[1mbold\e[0m \e[4$((i%8))mbg\e[0m\n"; sleep ${D:-0.05}; done; sleep 60'
xspice_xterm() { # DELAY [LINES]
  DISPLAY=":$XS_DISPLAY" D=$1 N=${2:-50} spawn "$WORK/xs-xterm.log" \
    xterm -geometry 60x20+80+300 -fa Monospace -fs 10 -bg black -fg white -e bash -c "$XTERM_LOOP"
}

# ---------------------------------------------------------------------------
# capture

# cap_start PORT NAME: sets CAP_PID, CAP_FILE
cap_start() {
  local port=$1 name=$2 i
  CAP_FILE="$WORK/$name.pcapng"
  spawn "$WORK/$name.tshark.log" tshark -i lo -f "tcp port $port" -w "$CAP_FILE"
  CAP_PID=$SPAWNED
  for ((i = 0; i < 150; i++)); do grep -qs "Capturing on" "$WORK/$name.tshark.log" && break; sleep 0.1; done
  grep -q "Capturing on" "$WORK/$name.tshark.log" || { cat "$WORK/$name.tshark.log" >&2; die "tshark did not start"; }
  sleep 0.5
}

cap_stop() { # NAME
  sleep 0.5  # let FIN/RST segments through
  stop_pid "$CAP_PID" INT
  grep -E 'captured|dropped' "$WORK/$1.tshark.log" | sed 's/^/    tshark: /' >&2
  if grep -qE '[1-9][0-9]* packets? dropped' "$WORK/$1.tshark.log"; then log "WARNING: tshark dropped packets"; fi
}

SUMMARIES=()
# convert NAME PORT DESCRIPTION COMMAND
convert() {
  local name=$1 port=$2 desc=$3 command=$4
  python3 "$HELPER" convert --pcap "$CAP_FILE" --port "$port" --name "$name" \
    --description "$desc" --command "$command" --captured "$TODAY" \
    --out "$OUT/$name.json.gz" --summary "$WORK/$name.summary.json" || die "conversion of $name failed"
  SUMMARIES+=("$WORK/$name.summary.json")
  [ -n "$keep_pcaps" ] && cp "$CAP_FILE" "$keep_pcaps/$name.pcapng"
  return 0
}

# ---------------------------------------------------------------------------
# clients

# viewer_start CLIENT-COMMAND...: Xvfb + a GUI SPICE client on it; sets
# VW_DISPLAY VW_PID VW_WIN
viewer_start() {
  VW_DISPLAY=$(free_display) || die "no free X display"
  spawn "$WORK/xvfb-$VW_DISPLAY.log" Xvfb ":$VW_DISPLAY" -screen 0 1280x900x24 -nolisten tcp
  DISPLAYS+=("$VW_DISPLAY")
  wait_display "$VW_DISPLAY" 15 || die "Xvfb :$VW_DISPLAY did not start"
  DISPLAY=":$VW_DISPLAY" spawn "$WORK/client-$VW_DISPLAY.log" "$@"
  VW_PID=$SPAWNED
  VW_WIN=$(DISPLAY=":$VW_DISPLAY" timeout 15 xdotool search --sync --onlyvisible --pid "$VW_PID" 2>/dev/null | tail -1)
  [ -n "$VW_WIN" ] || { cat "$WORK/client-$VW_DISPLAY.log" >&2; die "$1 window did not appear"; }
}
vx() { DISPLAY=":$VW_DISPLAY" xdotool "$@" 2>/dev/null; } # xdotool on the viewer's Xvfb
xx() { DISPLAY=":$XS_DISPLAY" xdotool "$@" 2>/dev/null; } # xdotool on the Xspice display

spicy_shot() { # PORT [PASSWORD]
  local a=(-h 127.0.0.1 -p "$1" -o "$WORK/shot-$1.ppm")
  [ -n "${2:-}" ] && a+=(-w "$2")
  timeout 30 spicy-screenshot "${a[@]}" >"$WORK/shot-$1.log" 2>&1 || { cat "$WORK/shot-$1.log" >&2; die "spicy-screenshot failed"; }
  [ -s "$WORK/shot-$1.ppm" ] || die "spicy-screenshot wrote no image"
  log "  screenshot: $("$IM_CONVERT" "$WORK/shot-$1.ppm" -format '%wx%h' info: 2>/dev/null)"
}

# ---------------------------------------------------------------------------
# sessions

s_qemu_spicy_screenshot() { # NAME [PASSWORD]
  local name=$1 pw=${2:-} port sopts qargs=() pwtxt=
  port=$(free_port) || die "no free port"
  if [ -n "$pw" ]; then
    qargs=(-object "secret,id=pw,data=$pw"); sopts=",password-secret=pw"; pwtxt=" -w $pw"
  else
    sopts=",disable-ticketing=on"
  fi
  start_qemu "$port" "$sopts" "${qargs[@]}"
  sleep 1.5  # SeaBIOS draws "No bootable device."
  cap_start "$port" "$name"
  spicy_shot "$port" "$pw"
  cap_stop "$name"
  stop_all
  local cmd="qemu-system-x86_64 -accel tcg -display none -nic none -vga qxl -m 128 ${qargs[*]} -spice port=$port,addr=127.0.0.1$sopts
sleep 1.5
spicy-screenshot -h 127.0.0.1 -p $port$pwtxt -o shot.ppm"
  local desc="QEMU (${QEMU_VERSION}, qemu-system-x86 $(pkgv qemu-system-x86), TCG, -vga qxl, no disk: SeaBIOS 'No bootable device.' screen; spice-server $V_SRV)"
  [ -n "$pw" ] && desc+=" with SPICE password '$pw' (-object secret + password-secret)" || desc+=" with disable-ticketing=on"
  desc+=", client spicy-screenshot ($V_GTK): links main + display, takes the first frame and disconnects. Captured with $V_TSHARK on loopback."
  convert "$name" "$port" "$desc" "$cmd"
}

# pointer and keyboard input into the viewer window on the Xvfb display.
# xdotool without --window: XTEST events (with --window it would use
# XSendEvent, which GTK treats differently).
qemu_input() {
  local i
  vx windowfocus --sync "$VW_WIN"
  vx mousemove 100 100; sleep 0.3
  vx mousemove 200 150; sleep 0.3
  vx mousedown 1; sleep 0.2; vx mouseup 1; sleep 0.3    # server mouse mode: the first click grabs
  for i in 1 2 3 4; do vx mousemove_relative 20 10; sleep 0.15; done
  vx mousedown 1; sleep 0.1; vx mouseup 1; sleep 0.2
  vx click 3; sleep 0.2
  vx key a; sleep 0.15
  vx key Return; sleep 0.15
  vx key shift+b; sleep 0.2
  vx key ctrl+alt; sleep 0.3                          # release the grab
  vx mousemove 300 200; sleep 0.3
}

s_qemu_all_remote_viewer() {
  local name=qemu-all-remote-viewer port
  port=$(free_port) || die "no free port"
  start_qemu "$port" ",disable-ticketing=on" "${QEMU_ALL_ARGS[@]}"
  sleep 1.5
  cap_start "$port" "$name"
  viewer_start remote-viewer "spice://127.0.0.1:$port"
  sleep 4
  qemu_input
  stop_pid "$VW_PID"
  cap_stop "$name"
  stop_all
  local cmd="qemu-system-x86_64 -accel tcg -display none -nic none -vga qxl -m 128 -spice port=$port,addr=127.0.0.1,disable-ticketing=on ${QEMU_ALL_ARGS[*]}
sleep 1.5
Xvfb :V -screen 0 1280x900x24 & DISPLAY=:V remote-viewer spice://127.0.0.1:$port &
sleep 4; xdotool (XTEST) on :V: move the pointer over the window, click (grabs the pointer), 4 relative moves,
left click, right click, keys a, Return, shift+b, ctrl+alt (ungrab), move; then kill remote-viewer (SIGTERM)"
  local desc="QEMU (${QEMU_VERSION}, TCG, -vga qxl, no disk; spice-server $V_SRV) with a vdagent spicevmc port (no guest agent answers), spice audio (ich9-intel-hda + hda-duplex: playback and record channels), a usb-redir spicevmc and a webdav spiceport; 8 channels listed in CHANNELS_LIST; client remote-viewer ($V_VV, $V_GTK), which leaves the WEBDAV channel unconnected (folder sharing is off by default), under Xvfb for about 7 s with pointer and keyboard input from xdotool (server mouse mode: grab, relative motion, clicks, keys), then killed. Captured with $V_TSHARK on loopback."
  convert "$name" "$port" "$desc" "$cmd"
}

s_qemu_all_spicy() {
  local name=qemu-all-spicy port
  port=$(free_port) || die "no free port"
  start_qemu "$port" ",disable-ticketing=on" "${QEMU_ALL_ARGS[@]}"
  sleep 1.5
  cap_start "$port" "$name"
  mkdir -p "$WORK/shared"; echo "hello from the client" >"$WORK/shared/hello.txt"
  viewer_start spicy -h 127.0.0.1 -p "$port" --spice-shared-dir="$WORK/shared"
  sleep 3
  qemu_input
  stop_pid "$VW_PID"
  cap_stop "$name"
  stop_all
  local cmd="qemu-system-x86_64 -accel tcg -display none -nic none -vga qxl -m 128 -spice port=$port,addr=127.0.0.1,disable-ticketing=on ${QEMU_ALL_ARGS[*]}
sleep 1.5
Xvfb :V -screen 0 1280x900x24 & DISPLAY=:V spicy -h 127.0.0.1 -p $port --spice-shared-dir=DIR &
sleep 3; the same xdotool input as qemu-all-remote-viewer; then kill spicy (SIGTERM)"
  local desc="QEMU (${QEMU_VERSION}, TCG, -vga qxl, no disk; spice-server $V_SRV) with the same devices as qemu-all-remote-viewer (vdagent port without a guest agent, audio, usb-redir, webdav spiceport); client spicy ($V_GTK's own test client) with --spice-shared-dir, which (unlike remote-viewer) also opens the WEBDAV channel, so all 8 channels are connected; under Xvfb for about 6 s with xdotool pointer and keyboard input, then killed. Captured with $V_TSHARK on loopback."
  convert "$name" "$port" "$desc" "$cmd"
}

s_xspice_remote_viewer() {
  local name=xspice-remote-viewer port i
  port=$(free_port) || die "no free port"
  start_xspice "$port"
  xspice_demo
  sleep 1
  cap_start "$port" "$name"
  viewer_start remote-viewer "spice://127.0.0.1:$port"
  sleep 1.5
  xspice_xterm 0.05                                   # coloured text scrolls while we watch
  sleep 0.5
  for i in 1 2 3 4 5 6; do xx search --class xeyes windowmove %@ $((260 + i * 40)) $((60 + i * 25)); sleep 0.1; done
  for i in 1 2 3 4 5; do xx mousemove $((300 + i * 60)) $((200 + i * 30)); sleep 0.1; done
  sleep 1.5                                           # let the xterm loop finish
  xx mousemove 250 420                                # pointer over the xterm (focus follows it)
  vx windowfocus --sync "$VW_WIN"
  vx mousemove 300 300; sleep 0.2
  vx type --delay 80 'echo hi'
  vx key Return; sleep 0.3
  vx mousedown 1; sleep 0.2; vx mouseup 1; sleep 0.3  # grab (server mouse mode)
  for i in 1 2 3 4; do vx mousemove_relative 25 15; sleep 0.15; done
  vx mousedown 1; sleep 0.1; vx mouseup 1; sleep 0.2
  vx key ctrl+alt; sleep 0.5
  stop_pid "$VW_PID"
  cap_stop "$name"
  stop_all
  local cmd="XSPICE_ADDR=127.0.0.1 XSPICE_PORT=$port XSPICE_DISABLE_TICKETING=1 /usr/lib/xorg/Xorg -config xspice.conf -noreset -nolisten tcp -novtswitch -sharevts :X
DISPLAY=:X: xsetroot -solid steelblue; xclock -update 1; xeyes; xlogo
Xvfb :V & DISPLAY=:V remote-viewer spice://127.0.0.1:$port &
DISPLAY=:X xterm -geometry 60x20+80+300 -fa Monospace -fs 10 -bg black -fg white -e bash -c '$XTERM_LOOP'(N=50 D=0.05)
xdotool on :X: move the xeyes window 6 times, move the pointer 5 times, pointer onto the xterm
xdotool on :V: type 'echo hi' + Return into remote-viewer, click (grab), 4 relative moves, ctrl+alt; kill remote-viewer"
  local desc="Xspice ($V_XSPICE, $V_XORG, spice-server $V_SRV; default image compression auto_glz) showing xsetroot steelblue, xclock -update 1, xeyes, xlogo and an xterm printing 50 coloured lines; client remote-viewer ($V_VV, $V_GTK) under Xvfb for about 6 s while xdotool moves the xeyes window and the pointer on the Xspice display and types into the xterm through remote-viewer's window (inputs channel), then killed. Captured with $V_TSHARK on loopback."
  convert "$name" "$port" "$desc" "$cmd"
}

# s_xspice_codec NAME "OPTION LINES" "what"
s_xspice_codec() {
  local name=$1 opts=$2 what=$3 port
  port=$(free_port) || die "no free port"
  start_xspice "$port" "$opts"
  xspice_demo
  xspice_xterm 0 12
  sleep 1.5
  cap_start "$port" "$name"
  viewer_start remote-viewer "spice://127.0.0.1:$port"
  sleep 1
  # a photo-like image drawn while the client watches (QUIC/JPEG material)
  xs_client xwud -noclick -geometry +620+300 -in "$WORK/plasma.xwd"
  sleep 2
  stop_pid "$VW_PID"
  cap_stop "$name"
  stop_all
  local cmd="Xorg config Device section adds: $(echo "$opts" | sed -E 's/^ +//' | paste -sd ';' | sed 's/;/; /g')
XSPICE_ADDR=127.0.0.1 XSPICE_PORT=$port XSPICE_DISABLE_TICKETING=1 /usr/lib/xorg/Xorg -config xspice.conf -noreset -nolisten tcp -novtswitch -sharevts :X
DISPLAY=:X: xsetroot -solid steelblue; xclock -update 1; xeyes; xlogo; xterm -e bash -c '$XTERM_LOOP' (N=12 D=0: 12 coloured lines at once)
Xvfb :V & DISPLAY=:V remote-viewer spice://127.0.0.1:$port &
sleep 1; DISPLAY=:X xwud -noclick -geometry +620+300 -in plasma.xwd   (convert -size 160x120 -seed 7 plasma:fractal -blur 0x1.5)
sleep 2; kill remote-viewer"
  local desc="Xspice ($V_XSPICE, $V_XORG, spice-server $V_SRV) with $what; demo desktop (steelblue root, xclock, xeyes, xlogo, coloured xterm) and, after the client connected, a photo-like 160x120 image (ImageMagick plasma shown with xwud); client remote-viewer ($V_VV, $V_GTK) under Xvfb for about 3 s, then killed. Captured with $V_TSHARK on loopback."
  convert "$name" "$port" "$desc" "$cmd"
}

# s_xspice_stream: a 20 fps animation so that spice-server turns the updates
# into a video stream (STREAM_CREATE / STREAM_DATA MJPEG / STREAM_DESTROY).
s_xspice_stream() {
  local name=xspice-stream-mjpeg port i
  port=$(free_port) || die "no free port"
  if [ ! -f "$WORK/anim.gif" ]; then
    for i in $(seq 10 33); do "$IM_CONVERT" -size 96x72 -seed "$i" plasma:fractal -blur 0x1 -depth 8 "$WORK/f$i.png" || die "convert failed"; done
    "$IM_CONVERT" -delay 5 -loop 0 "$WORK"/f??.png "$WORK/anim.gif" || die "convert failed"
  fi
  start_xspice "$port" '    Option "SpiceStreamingVideo" "all"
    Option "EnableSurfaces" "False"'
  DISPLAY=":$XS_DISPLAY" xsetroot -solid steelblue
  sleep 0.5
  cap_start "$port" "$name"
  viewer_start remote-viewer "spice://127.0.0.1:$port"
  sleep 1
  xs_client animate -geometry +300+200 -delay 5 "$WORK/anim.gif"
  local anim=$SPAWNED
  sleep 2.5
  stop_pid "$anim"                                    # the stream times out: STREAM_DESTROY
  sleep 2
  stop_pid "$VW_PID"
  cap_stop "$name"
  stop_all
  local cmd="Xorg config Device section adds: Option \"SpiceStreamingVideo\" \"all\"; Option \"EnableSurfaces\" \"False\"
XSPICE_ADDR=127.0.0.1 XSPICE_PORT=$port XSPICE_DISABLE_TICKETING=1 /usr/lib/xorg/Xorg -config xspice.conf -noreset -nolisten tcp -novtswitch -sharevts :X
DISPLAY=:X xsetroot -solid steelblue
Xvfb :V & DISPLAY=:V remote-viewer spice://127.0.0.1:$port &
sleep 1; DISPLAY=:X animate -geometry +300+200 -delay 5 anim.gif   (24 frames 96x72: convert -size 96x72 -seed N plasma:fractal -blur 0x1, N=10..33)
sleep 2.5; kill animate; sleep 2; kill remote-viewer"
  local desc="Xspice ($V_XSPICE, $V_XORG, spice-server $V_SRV) with Option \"SpiceStreamingVideo\" \"all\" and \"EnableSurfaces\" \"False\" (so every animation frame reaches spice-server as a bitmap); ImageMagick animate plays a 96x72 24-frame plasma animation at 20 fps, which spice-server turns into an MJPEG video stream; animate is stopped after 2.5 s (the stream is then destroyed) and the client remote-viewer ($V_VV, $V_GTK, under Xvfb) killed 2 s later. Captured with $V_TSHARK on loopback."
  convert "$name" "$port" "$desc" "$cmd"
}

# ---------------------------------------------------------------------------

"$IM_CONVERT" -size 160x120 -seed 7 plasma:fractal -blur 0x1.5 -depth 8 "xwd:$WORK/plasma.xwd" 2>/dev/null || die "cannot make plasma.xwd"

for s in "${sessions[@]}"; do
  log "=== $s"
  case "$s" in
  qemu-spicy-screenshot) s_qemu_spicy_screenshot "$s" ;;
  qemu-password-spicy-screenshot) s_qemu_spicy_screenshot "$s" s3cret ;;
  qemu-all-remote-viewer) s_qemu_all_remote_viewer ;;
  qemu-all-spicy) s_qemu_all_spicy ;;
  xspice-remote-viewer) s_xspice_remote_viewer ;;
  xspice-quic) s_xspice_codec "$s" '    Option "SpiceImageCompression" "quic"' 'Option "SpiceImageCompression" "quic" (every image QUIC)' ;;
  xspice-lz) s_xspice_codec "$s" '    Option "SpiceImageCompression" "lz"' 'Option "SpiceImageCompression" "lz" (every image LZ)' ;;
  xspice-glz) s_xspice_codec "$s" '    Option "SpiceImageCompression" "glz"' 'Option "SpiceImageCompression" "glz" (every image GLZ)' ;;
  xspice-jpeg-zlib-glz) s_xspice_codec "$s" '    Option "SpiceImageCompression" "auto_glz"
    Option "SpiceJpegWanCompression" "always"
    Option "SpiceZlibGlzWanCompression" "always"' 'Option "SpiceImageCompression" "auto_glz", "SpiceJpegWanCompression" "always" and "SpiceZlibGlzWanCompression" "always" (JPEG for photo-like images, ZLIB_GLZ_RGB for GLZ)' ;;
  xspice-stream-mjpeg) s_xspice_stream ;;
  *) die "unknown session '$s' (known: ${ALL_SESSIONS[*]})" ;;
  esac
done

files=()
for s in "${sessions[@]}"; do files+=("$OUT/$s.json.gz"); done
python3 "$HELPER" verify "${files[@]}" >&2 || die "verification failed"

# general observations for the README (true for the package versions above)
README_NOTES=$(cat <<'EOF'
- `spicy-screenshot` links only the main and display channels and drops the display
  connection (RST) as soon as it has the first frame.
- remote-viewer does not connect the WEBDAV channel (folder sharing is off unless enabled
  in its preferences); spicy with `--spice-shared-dir` does, and the server then sends
  PORT_INIT (201) on it. Neither connects a channel the server does not list.
- QEMU without a guest agent stays in server mouse mode: the first click grabs the pointer
  (its press is not sent, its release is), then the client sends relative MOUSE_MOTION
  (answered by MOUSE_MOTION_ACK).
  Xspice switches to client mouse mode (server MOUSE_MODE after the client's
  MOUSE_MODE_REQUEST), so the client sends absolute MOUSE_POSITION.
- spice-gtk sends a key press and release that are both pending as one KEY_SCANCODE message
  (2 scancode bytes per key); otherwise KEY_DOWN / KEY_UP (4-byte scancodes).
- The X driver of Xspice never produces DRAW_TEXT or DRAW_STROKE: text and lines arrive as
  DRAW_COPY (bitmaps, surfaces, cache hits), DRAW_FILL and COPY_BITS. Its surfaces are
  32-bit with alpha, so forced JPEG shows up as JPEG_ALPHA, not JPEG.
- No LZ4 images: spice-server uses LZ4 only on unix-socket connections.
- Neither server sends a cursor shape here: the cursor channel carries only INIT, SET_ACK
  and PINGs (SeaBIOS has no pointer; Xspice does not forward its cursor).
- tshark's SPICE dissector (Wireshark 4.0): labels rectangle fields left/top/right/bottom but
  the wire order is top, left, bottom, right; does not decode the KEY_SCANCODE body and loses
  the inputs connection after the first one (later inputs messages go undecoded, without a
  malformed flag); does not know PORT_INIT; reports "Unknown channel - cannot dissect" for the
  channel capabilities in USBREDIR and WEBDAV link messages.
EOF
)

if [ -n "$readme" ]; then
  python3 "$HELPER" readme --dir "$OUT" --summaries "${SUMMARIES[@]}" --notes "$README_NOTES"
fi
log "done: $(du -cb "${files[@]}" | tail -1 | cut -f1) bytes in ${#files[@]} fixture(s)"
