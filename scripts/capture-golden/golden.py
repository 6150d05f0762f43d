#!/usr/bin/env python3
"""Helper for scripts/capture-golden.sh: turn a tshark capture of SPICE
sessions into a golden-bytes fixture, summarise it, and write the README.

  golden.py convert --pcap F --port P --name N --description D --command C
                    --out OUT.json.gz --summary OUT.summary.json [--limit BYTES]
      One entry per TCP connection to port P, in order of connection start
      (tshark's tcp.stream index), holding the two reassembled byte streams
      (tshark -z follow,tcp,raw), each cut to --limit bytes (default 1 MiB).
      Also decodes the capture with tshark's SPICE dissector (PDML) and frames
      the fixture bytes itself (link handshake, then mini or full headers), and
      cross-checks the two message counts.
  golden.py verify FILE.json.gz...
      Each file is valid gzip+JSON of the expected shape and every
      connection's clientToServer starts with "REDQ".
  golden.py readme --dir DIR --summaries S1.summary.json ... [--notes MARKDOWN]
      Writes DIR/README.md from the summaries and the fixture file sizes.

Only the Python standard library and tshark are used.
"""
import argparse
import base64
import collections
import datetime
import gzip
import json
import os
import re
import struct
import subprocess
import sys

LIMIT = 1 << 20

CHANNEL_NAMES = {1: "MAIN", 2: "DISPLAY", 3: "INPUTS", 4: "CURSOR", 5: "PLAYBACK",
                 6: "RECORD", 7: "TUNNEL", 8: "SMARTCARD", 9: "USBREDIR", 10: "PORT",
                 11: "WEBDAV"}


# Message names from spice-protocol 0.14 (spice/enums.h), used to name the
# messages the fixture framing finds. Base messages (< 100) apply to every
# channel; channel-specific ones start at 101 (port channels at 201).
MSG_BASE = {"server": {1: "MIGRATE", 2: "MIGRATE_DATA", 3: "SET_ACK", 4: "PING",
                       5: "WAIT_FOR_CHANNELS", 6: "DISCONNECTING", 7: "NOTIFY", 8: "LIST"},
            "client": {1: "ACK_SYNC", 2: "ACK", 3: "PONG", 4: "MIGRATE_FLUSH_MARK",
                       5: "MIGRATE_DATA", 6: "DISCONNECTING"}}


def _seq(start, names):
    return {start + i: n for i, n in enumerate(names.split())}


_VMC = ({**_seq(101, "SPICEVMC_DATA SPICEVMC_COMPRESSED_DATA")},
        {**_seq(101, "SPICEVMC_DATA SPICEVMC_COMPRESSED_DATA")})
_PORT_S = _seq(201, "PORT_INIT PORT_EVENT")
_PORT_C = _seq(201, "PORT_EVENT")
MSG_CHANNEL = {
    1: ({**_seq(101, "MIGRATE_BEGIN MIGRATE_CANCEL INIT CHANNELS_LIST MOUSE_MODE MULTI_MEDIA_TIME "
                "AGENT_CONNECTED AGENT_DISCONNECTED AGENT_DATA AGENT_TOKEN MIGRATE_SWITCH_HOST "
                "MIGRATE_END NAME UUID AGENT_CONNECTED_TOKENS MIGRATE_BEGIN_SEAMLESS "
                "MIGRATE_DST_SEAMLESS_ACK MIGRATE_DST_SEAMLESS_NACK")},
        {**_seq(101, "CLIENT_INFO MIGRATE_CONNECTED MIGRATE_CONNECT_ERROR ATTACH_CHANNELS "
                "MOUSE_MODE_REQUEST AGENT_START AGENT_DATA AGENT_TOKEN MIGRATE_END "
                "MIGRATE_DST_DO_SEAMLESS MIGRATE_CONNECTED_SEAMLESS QUALITY_INDICATOR")}),
    2: ({**_seq(101, "MODE MARK RESET COPY_BITS INVAL_LIST INVAL_ALL_PIXMAPS INVAL_PALETTE "
                "INVAL_ALL_PALETTES"),
         **_seq(122, "STREAM_CREATE STREAM_DATA STREAM_CLIP STREAM_DESTROY STREAM_DESTROY_ALL"),
         **_seq(302, "DRAW_FILL DRAW_OPAQUE DRAW_COPY DRAW_BLEND DRAW_BLACKNESS DRAW_WHITENESS "
                "DRAW_INVERS DRAW_ROP3 DRAW_STROKE DRAW_TEXT DRAW_TRANSPARENT DRAW_ALPHA_BLEND "
                "SURFACE_CREATE SURFACE_DESTROY STREAM_DATA_SIZED MONITORS_CONFIG DRAW_COMPOSITE "
                "STREAM_ACTIVATE_REPORT GL_SCANOUT_UNIX GL_DRAW")},
        {**_seq(101, "INIT STREAM_REPORT PREFERRED_COMPRESSION GL_DRAW_DONE "
                "PREFERRED_VIDEO_CODEC_TYPE")}),
    3: ({**_seq(101, "INIT KEY_MODIFIERS"), 111: "MOUSE_MOTION_ACK"},
        {**_seq(101, "KEY_DOWN KEY_UP KEY_MODIFIERS KEY_SCANCODE"),
         **_seq(111, "MOUSE_MOTION MOUSE_POSITION MOUSE_PRESS MOUSE_RELEASE")}),
    4: ({**_seq(101, "INIT RESET SET MOVE HIDE TRAIL INVAL_ONE INVAL_ALL")}, {}),
    5: ({**_seq(101, "DATA MODE START STOP VOLUME MUTE LATENCY")}, {}),
    6: ({**_seq(101, "START STOP VOLUME MUTE")}, {**_seq(101, "DATA MODE START_MARK")}),
    8: ({101: "SMARTCARD_DATA"}, {101: "SMARTCARD_DATA"}),
    9: _VMC,
    10: ({**_VMC[0], **_PORT_S}, {**_VMC[1], **_PORT_C}),
    11: ({**_VMC[0], **_PORT_S}, {**_VMC[1], **_PORT_C}),
}


def msg_name(channel, direction, t):
    if t < 100:
        return MSG_BASE[direction].get(t, f"#{t}")
    server, client = MSG_CHANNEL.get(channel, ({}, {}))
    return (server if direction == "server" else client).get(t, f"#{t}")


def tshark(*args):
    return subprocess.run(["tshark", *args], check=True, capture_output=True).stdout


# --------------------------------------------------------------------------
# byte streams

def stream_indices(pcap, port):
    out = tshark("-r", pcap, "-Y", f"tcp.port=={port}", "-T", "fields", "-e", "tcp.stream")
    return sorted({int(x) for x in out.split() if x.strip()})


def follow_raw(pcap, idx, port):
    """(client_to_server, server_to_client) bytes of TCP stream idx."""
    out = tshark("-r", pcap, "-q", "-z", f"follow,tcp,raw,{idx}").decode()
    nodes = {}
    chunks = {0: [], 1: []}
    in_data = False
    for line in out.split("\n"):
        m = re.match(r"^Node ([01]): (.*):(\d+)$", line)
        if m:
            nodes[int(m.group(1))] = int(m.group(3))
            in_data = True
            continue
        if not in_data or line.startswith("====") or not line.strip():
            continue
        if line.startswith("\t"):
            chunks[1].append(bytes.fromhex(line.strip()))
        else:
            chunks[0].append(bytes.fromhex(line.strip()))
    if nodes.get(1) == port and nodes.get(0) != port:
        client, server = 0, 1
    elif nodes.get(0) == port and nodes.get(1) != port:
        client, server = 1, 0
    else:
        raise SystemExit(f"stream {idx}: cannot tell client from server (nodes {nodes})")
    return b"".join(chunks[client]), b"".join(chunks[server])


# --------------------------------------------------------------------------
# our own SPICE framing (to check the fixture bytes are whole messages)

def _caps(buf, off, ncommon, nchan):
    words = struct.unpack_from(f"<{ncommon + nchan}I", buf, off)
    return list(words[:ncommon]), list(words[ncommon:])


def frame_connection(c2s, s2c):
    """Split both directions of one SPICE connection into messages.

    Returns a dict: channel type/id, caps, mini header flag, link error,
    auth result, and per direction a list of (type, size) plus the count of
    bytes left over (an incomplete last message, e.g. after truncation)."""
    r = {"ok": False}
    if len(c2s) < 16 or c2s[:4] != b"REDQ":
        r["error"] = "client stream does not start with REDQ"
        return r
    major, minor, size = struct.unpack_from("<III", c2s, 4)
    conn_id, ctype, cid, ncc, nch, capoff = struct.unpack_from("<IBBIII", c2s, 16)
    ccommon, cchan = _caps(c2s, 16 + capoff, ncc, nch)
    r.update(major=major, minor=minor, channelType=ctype, channelId=cid, connectionId=conn_id,
             clientCommonCaps=ccommon, clientChannelCaps=cchan)
    cpos = 16 + size
    if len(s2c) < 16 or s2c[:4] != b"REDQ":
        r["error"] = "server stream does not start with REDQ"
        return r
    smaj, smin, ssize = struct.unpack_from("<III", s2c, 4)
    err, = struct.unpack_from("<I", s2c, 16)
    r["linkError"] = err
    spos = 16 + ssize
    if err != 0:
        r["ok"] = True
        r["c2s"], r["s2c"], r["c2sRest"], r["s2cRest"] = [], [], len(c2s) - cpos, len(s2c) - spos
        return r
    sncc, snch, scapoff = struct.unpack_from("<III", s2c, 16 + 4 + 162)
    scommon, schan = _caps(s2c, 16 + scapoff, sncc, snch)
    r.update(serverCommonCaps=scommon, serverChannelCaps=schan)
    cc = ccommon[0] if ccommon else 0
    sc = scommon[0] if scommon else 0
    if cc & sc & 1:          # PROTOCOL_AUTH_SELECTION: client sends the mechanism word
        r["authMechanism"], = struct.unpack_from("<I", c2s, cpos)
        cpos += 4
    cpos += 128              # RSA-encrypted ticket (SPICE auth; SASL not used here)
    r["authResult"], = struct.unpack_from("<I", s2c, spos)
    spos += 4
    mini = bool(cc & sc & 8)  # MINI_HEADER
    r["miniHeader"] = mini

    def msgs(buf, pos):
        out = []
        hdr = 6 if mini else 18
        while pos + hdr <= len(buf):
            if mini:
                t, sz = struct.unpack_from("<HI", buf, pos)
            else:
                _serial, t, sz, _sub = struct.unpack_from("<QHII", buf, pos)
            if pos + hdr + sz > len(buf):
                break
            out.append((t, sz))
            pos += hdr + sz
        return out, len(buf) - pos

    if r["authResult"] != 0:
        r["c2s"], r["c2sRest"] = [], len(c2s) - cpos
        r["s2c"], r["s2cRest"] = [], len(s2c) - spos
    else:
        r["c2s"], r["c2sRest"] = msgs(c2s, cpos)
        r["s2c"], r["s2cRest"] = msgs(s2c, spos)
    r["ok"] = True
    return r


# --------------------------------------------------------------------------
# tshark's view (PDML, read line by line: big captures give big PDML)

RE_FIELD = re.compile(r'<field name="([^"]*)" (?:showname="([^"]*)" )?.*?show="([^"]*)"')
RE_MSGTYPE = re.compile(r'^Message type: (Server|Client) (.+?) \((\d+)\)$')
RE_CHAN = re.compile(r'^Channel type: (.+?) \((\d+)\)$')
RE_IMG = re.compile(r'^Image type: (.+?) \((\d+)\)$')


def unescape(s):
    return (s.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
            .replace("&apos;", "'").replace("&amp;", "&"))


def dissect(pcap, port):
    cmd = ["tshark", "-r", pcap, "-d", f"tcp.port=={port},spice", "-T", "pdml"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         errors="replace", bufsize=1 << 20)
    streams = collections.defaultdict(lambda: {"channel": None, "server": collections.Counter(),
                                               "client": collections.Counter(),
                                               "images": collections.Counter()})
    names = {}        # (channel, "server"/"client", number) -> name
    malformed = []    # (frame, stream)
    expert = collections.Counter()  # (severity, message) from the spice layer
    lost = 0
    frame = stream = srcport = None
    in_spice = False
    for line in p.stdout:
        s = line.strip()
        if s.startswith("<packet>"):
            frame = stream = srcport = None
            in_spice = False
            continue
        if s.startswith('<proto name="spice"'):
            in_spice = True
            continue
        if s.startswith('<proto name="_ws.malformed"'):
            malformed.append((frame, stream))
            continue
        if s.startswith("<proto ") and not s.startswith('<proto name="spice"'):
            in_spice = False
        m = RE_FIELD.match(s)
        if not m:
            continue
        name, showname, show = m.group(1), unescape(m.group(2) or ""), unescape(m.group(3))
        if name == "num" and frame is None:
            frame = int(show)
        elif name == "tcp.stream":
            stream = int(show)
        elif name == "tcp.srcport":
            srcport = int(show)
        elif name == "tcp.analysis.lost_segment":
            lost += 1
        elif name == "_ws.expert.message" and in_spice:
            expert[show] += 1
        elif name == "spice.channel_type":
            cm = RE_CHAN.match(showname)
            if cm and streams[stream]["channel"] is None:
                streams[stream]["channel"] = (cm.group(1), int(cm.group(2)))
        elif name == "spice.image_type":
            im = RE_IMG.match(showname)
            if im:
                streams[stream]["images"][im.group(1)] += 1
        elif name == "" and show.startswith("Message type: "):
            mm = RE_MSGTYPE.match(show)
            if mm:
                d = "server" if mm.group(1) == "Server" else "client"
                streams[stream][d][mm.group(2)] += 1
                ch = streams[stream]["channel"]
                names[(ch[1] if ch else 0, d, int(mm.group(3)))] = mm.group(2)
    p.wait()
    if p.returncode != 0:
        raise SystemExit(f"tshark PDML failed on {pcap}")
    return streams, names, malformed, expert, lost


# --------------------------------------------------------------------------

def cmd_convert(a):
    idxs = stream_indices(a.pcap, a.port)
    conns, summ_conns = [], []
    streams, names, malformed, expert, lost = dissect(a.pcap, a.port)
    for idx in idxs:
        c2s, s2c = follow_raw(a.pcap, idx, a.port)
        if not c2s and not s2c:
            print(f"  stream {idx}: no payload, skipped", file=sys.stderr)
            continue
        trunc = len(c2s) > a.limit or len(s2c) > a.limit
        c2s_k, s2c_k = c2s[:a.limit], s2c[:a.limit]
        i = len(conns)
        conns.append({"index": i,
                      "clientToServer": base64.b64encode(c2s_k).decode(),
                      "serverToClient": base64.b64encode(s2c_k).decode(),
                      "truncated": trunc})
        fr = frame_connection(c2s_k, s2c_k)
        ts = streams.get(idx, None)
        notes = []
        sc = {"index": i, "tcpStream": idx, "clientToServerBytes": len(c2s),
              "serverToClientBytes": len(s2c), "truncated": trunc,
              "clientToServerTruncated": len(c2s) > a.limit,
              "serverToClientTruncated": len(s2c) > a.limit}
        if fr.get("ok"):
            ct = fr["channelType"]
            sc.update(channelType=ct, channel=CHANNEL_NAMES.get(ct, f"type{ct}"),
                      channelId=fr["channelId"], miniHeader=fr.get("miniHeader"),
                      linkError=fr.get("linkError"), authResult=fr.get("authResult"),
                      clientCommonCaps=fr.get("clientCommonCaps"),
                      clientChannelCaps=fr.get("clientChannelCaps"),
                      serverCommonCaps=fr.get("serverCommonCaps"),
                      serverChannelCaps=fr.get("serverChannelCaps"),
                      c2sLeftover=fr["c2sRest"], s2cLeftover=fr["s2cRest"])
            for d, key in (("server", "s2c"), ("client", "c2s")):
                cnt = collections.Counter()
                bytes_ = collections.Counter()
                for t, sz in fr[key]:
                    cnt[t] += 1
                    bytes_[t] += sz
                sc[d + "Messages"] = {msg_name(ct, d, t): n for t, n in
                                      sorted(cnt.items(), key=lambda kv: (-kv[1], kv[0]))}
                sc[d + "MessageBytes"] = {msg_name(ct, d, t): n for t, n in bytes_.items()}
                sc[d + "MessageCounts"] = {str(t): n for t, n in cnt.items()}
            problems = []
            if fr["c2sRest"] and not sc["clientToServerTruncated"]:
                problems.append(f"client->server has {fr['c2sRest']} trailing bytes that are not a whole message")
            if fr["s2cRest"] and not sc["serverToClientTruncated"]:
                problems.append(f"server->client has {fr['s2cRest']} trailing bytes that are not a whole message")
        else:
            problems = [fr.get("error", "cannot frame")]
        if ts is not None:
            sc["tshark"] = {"channel": ts["channel"][0] if ts["channel"] else None,
                            "server": dict(ts["server"]), "client": dict(ts["client"]),
                            "images": dict(sorted(ts["images"].items(), key=lambda kv: -kv[1]))}
            if fr.get("ok"):
                # where tshark's SPICE dissector decoded a different number of
                # messages than the framing found (a dissector limitation: the
                # framing consumes every byte of a non-truncated direction)
                for d in ("server", "client"):
                    for t_s, n in sc[d + "MessageCounts"].items():
                        t = int(t_s)
                        tname = names.get((ct, d, t))
                        theirs = ts[d].get(tname, 0) if tname else 0
                        if theirs != n and not trunc:
                            notes.append(f"{d} {msg_name(ct, d, t)} ({t}): {n} in the bytes, "
                                         f"tshark decoded {theirs}")
        sc["problems"] = problems
        sc["dissectorNotes"] = notes
        summ_conns.append(sc)
    doc = {"name": a.name, "description": a.description, "serverPort": a.port,
           "captured": a.captured or datetime.date.today().isoformat(), "connections": conns}
    raw = json.dumps(doc, indent=1).encode() + b"\n"
    with open(a.out, "wb") as f:
        # mtime=0 and no file name: the .gz depends only on the JSON
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as g:
            g.write(raw)
    summary = {"name": a.name, "description": a.description, "command": a.command,
               "serverPort": a.port, "captured": doc["captured"], "file": os.path.basename(a.out),
               "fileBytes": os.path.getsize(a.out), "jsonBytes": len(raw),
               "pcapPackets": None, "malformedFrames": malformed,
               "lostSegments": lost, "expert": dict(expert), "connections": summ_conns}
    with open(a.summary, "w") as f:
        json.dump(summary, f, indent=1)
    print(f"  {a.out}: {len(conns)} connections, {os.path.getsize(a.out)} bytes")
    for sc in summ_conns:
        srv = ", ".join(f"{k}×{v}" for k, v in sc.get("serverMessages", {}).items())
        print(f"    [{sc['index']}] {sc.get('channel', '?')}: c2s {sc['clientToServerBytes']} B,"
              f" s2c {sc['serverToClientBytes']} B{' (truncated)' if sc['truncated'] else ''}; {srv}")
        for pr in sc["problems"]:
            print(f"      PROBLEM: {pr}")
        for pr in sc["dissectorNotes"]:
            print(f"      tshark: {pr}")
    if malformed:
        print(f"    tshark flagged {len(malformed)} malformed frame(s): {malformed[:10]}")
    if lost:
        print(f"    tshark saw {lost} lost segment(s): the capture dropped packets")


def cmd_verify(a):
    bad = 0
    for fn in a.files:
        try:
            with gzip.open(fn, "rb") as f:
                doc = json.load(f)
            for k in ("name", "description", "serverPort", "captured", "connections"):
                assert k in doc, f"missing {k}"
            assert doc["connections"], "no connections"
            for i, c in enumerate(doc["connections"]):
                assert c["index"] == i, f"connection {i} has index {c['index']}"
                c2s = base64.b64decode(c["clientToServer"], validate=True)
                s2c = base64.b64decode(c["serverToClient"], validate=True)
                assert c2s[:4] == b"REDQ", f"connection {i}: clientToServer starts with {c2s[:4]!r}"
                assert s2c[:4] == b"REDQ", f"connection {i}: serverToClient starts with {s2c[:4]!r}"
                assert len(c2s) <= LIMIT and len(s2c) <= LIMIT, f"connection {i}: over 1 MiB"
                assert isinstance(c["truncated"], bool)
            print(f"ok   {fn}: {len(doc['connections'])} connections")
        except Exception as e:  # noqa: BLE001
            bad += 1
            print(f"FAIL {fn}: {e}")
    sys.exit(1 if bad else 0)


def fmt_counts(d, limit=None):
    items = list(d.items())
    if limit and len(items) > limit:
        rest = sum(v for _, v in items[limit:])
        items = items[:limit] + [(f"+{len(d) - limit} more types", rest)]
    return ", ".join(f"{k}×{v}" for k, v in items) or "—"


def human(n):
    return f"{n / 1024:.1f} KiB" if n < 1 << 20 else f"{n / (1 << 20):.2f} MiB"


def cmd_readme(a):
    sums = []
    for fn in a.summaries:
        with open(fn) as f:
            sums.append(json.load(f))
    L = []
    L.append("# Golden SPICE captures\n")
    L.append("Real SPICE sessions between the reference programs (Debian 12 packages), captured on the "
             "loopback interface with tshark and reduced to the two reassembled TCP byte streams of every "
             "connection. The decoder tests parse these bytes and re-encode them.\n")
    L.append("Generated by `scripts/capture-golden.sh` (do not edit by hand). Regenerate everything, as "
             "root (it starts QEMU, Xorg/Xspice, Xvfb and tshark on 127.0.0.1, and stops them by PID), with:\n")
    L.append("```sh\nscripts/capture-golden.sh                     # every fixture and this README\n"
             "scripts/capture-golden.sh --keep-pcaps DIR    # also keep the .pcapng captures\n"
             "scripts/capture-golden.sh xspice-quic         # one fixture (README left alone)\n```\n")
    L.append("Each run produces different bytes (timestamps, session ids, RSA keys, screen contents), so "
             "tests must not compare against fixed counts beyond what is stable (channel order, message "
             "framing).\n")
    L.append("## File format\n")
    L.append("`<name>.json.gz` is gzip-compressed JSON:\n")
    L.append("```json\n{\"name\": \"...\", \"description\": \"what ran, with versions\", \"serverPort\": 20000,\n"
             " \"captured\": \"YYYY-MM-DD\",\n \"connections\": [{\"index\": 0, \"clientToServer\": \"<base64>\","
             " \"serverToClient\": \"<base64>\", \"truncated\": false}, ...]}\n```\n")
    L.append("- Connections are in order of TCP connection start; the first is always the main channel.\n"
             "- Each direction holds everything the peer sent, from the 16-byte `REDQ` link header on: "
             "link message / link reply, then (client) the 4-byte auth mechanism word and the 128-byte "
             "RSA-encrypted ticket, (server) the 4-byte link result, then messages. Every client here "
             "negotiates the mini header (6 bytes: type u16, size u32).\n"
             "- A direction longer than 1 MiB is cut at 1 MiB and `truncated` is true: ignore the "
             "incomplete last message of such a direction.\n"
             "- The main channel's first server PING carries 256,000 bytes of padding (bandwidth test); "
             "it compresses to almost nothing.\n")
    L.append("## Fixtures\n")
    L.append("| fixture | file size | JSON size | connections (channels, in order) | truncated |")
    L.append("|---|---|---|---|---|")
    total = 0
    for s in sums:
        path = os.path.join(a.dir, s["file"])
        size = os.path.getsize(path) if os.path.exists(path) else s["fileBytes"]
        total += size
        chans = ", ".join(c.get("channel", "?") + (f"#{c['channelId']}" if c.get("channelId") else "")
                          for c in s["connections"])
        tr = ", ".join(str(c["index"]) for c in s["connections"] if c["truncated"]) or "none"
        L.append(f"| [`{s['file']}`](#{s['name']}) | {human(size)} | {human(s['jsonBytes'])} | "
                 f"{len(s['connections'])}: {chans} | {tr} |")
    L.append(f"| **total** | **{human(total)}** | | | |\n")
    L.append("## Checks\n")
    L.append("For each capture the script (a) decodes the pcapng with Wireshark's SPICE dissector "
             "(`tshark -r F -d tcp.port==P,spice -T pdml`, the same decode as `-O spice`), (b) frames the "
             "fixture bytes itself (link messages, auth word, ticket, link result, then mini headers), and "
             "(c) compares the per-connection message counts of (a) and (b). The message tables below come "
             "from (b), with names from spice-protocol's `enums.h`; image types come from (a).\n")
    malformed = [(s["name"], s["malformedFrames"]) for s in sums if s["malformedFrames"]]
    lost = [(s["name"], s["lostSegments"]) for s in sums if s["lostSegments"]]
    probs = [(s["name"], c["index"], c.get("channel"), p) for s in sums for c in s["connections"] for p in c["problems"]]
    L.append("- Frames tshark flagged `_ws.malformed`: " +
             ("none." if not malformed else "; ".join(f"`{n}` {len(m)} (frame, stream) {m[:6]}" for n, m in malformed)))
    L.append("- Lost TCP segments in the captures: " +
             ("none." if not lost else "; ".join(f"`{n}` {k}" for n, k in lost)))
    L.append("- Framing: " + ("every non-truncated direction splits into whole messages, no bytes left over."
                               if not probs else "PROBLEMS: " + "; ".join(f"`{n}` #{i} {ch}: {p}" for n, i, ch, p in probs)))
    notes = collections.Counter()
    where = collections.defaultdict(set)
    for s in sums:
        for c in s["connections"]:
            for n in c.get("dissectorNotes", []):
                key = n.split(":")[0]
                notes[key] += 1
                where[key].add(s["name"])
    if notes:
        L.append("- Messages present in the bytes that the dissector did not decode (it is not flagged as "
                 "malformed; the dissector stops following the connection):")
        for k, v in sorted(notes.items()):
            L.append(f"  - {k}: in {', '.join(f'`{w}`' for w in sorted(where[k]))}")
    exp = collections.Counter()
    for s in sums:
        for k, v in s.get("expert", {}).items():
            exp[k] += v
    if exp:
        L.append("- Expert notes the dissector attached to SPICE fields (all fixtures, informational): " +
                 "; ".join(f"{v}× \"{k}\"" for k, v in exp.most_common()))
    L.append("")
    if a.notes:
        L.append("## Notes\n")
        L.append(a.notes.strip() + "\n")
    for s in sums:
        L.append(f"## {s['name']}\n")
        L.append(s["description"] + "\n")
        L.append(f"Captured {s['captured']} on port {s['serverPort']}; `{s['file']}` is "
                 f"{human(os.path.getsize(os.path.join(a.dir, s['file'])))}. What ran:\n")
        L.append("```sh\n" + s["command"].strip() + "\n```\n")
        L.append("| # | channel | c→s bytes | s→c bytes | server messages | client messages | images (tshark) |")
        L.append("|---|---|---|---|---|---|---|")
        for c in s["connections"]:
            ch = c.get("channel", "?") + (f"#{c['channelId']}" if c.get("channelId") else "")
            def sz(n, t):
                return f"{n:,}" + (" (cut to 1 MiB)" if t else "")
            imgs = fmt_counts(c.get("tshark", {}).get("images", {}))
            L.append(f"| {c['index']} | {ch} | {sz(c['clientToServerBytes'], c['clientToServerTruncated'])} | "
                     f"{sz(c['serverToClientBytes'], c['serverToClientTruncated'])} | "
                     f"{fmt_counts(c.get('serverMessages', {}))} | {fmt_counts(c.get('clientMessages', {}))} | {imgs} |")
        L.append("")
    with open(os.path.join(a.dir, "README.md"), "w") as f:
        f.write("\n".join(L))
    print(f"wrote {os.path.join(a.dir, 'README.md')}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("convert")
    c.add_argument("--pcap", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--name", required=True)
    c.add_argument("--description", required=True)
    c.add_argument("--command", default="")
    c.add_argument("--captured")
    c.add_argument("--out", required=True)
    c.add_argument("--summary", required=True)
    c.add_argument("--limit", type=int, default=LIMIT)
    v = sub.add_parser("verify")
    v.add_argument("files", nargs="+")
    r = sub.add_parser("readme")
    r.add_argument("--dir", required=True)
    r.add_argument("--summaries", nargs="+", required=True)
    r.add_argument("--notes", default="")
    a = ap.parse_args()
    {"convert": cmd_convert, "verify": cmd_verify, "readme": cmd_readme}[a.cmd](a)


if __name__ == "__main__":
    main()
