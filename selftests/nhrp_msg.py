#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Any NHRP message from a raw socket, the outer source anyone's; and a
reader of captures, for the tests that play the attacker.

  nhrp_msg.py PACKET [+ PACKET]...   send them in order on one socket;
                                     PACKET: --dst NBMA --type T ... (below)
  nhrp_msg.py --read PCAP            "SRC DST TYPE REQID DSTPROTO 4|6" for
                                     each NHRP packet of a capture

The Traffic Indication builder nhrp_forge.py lends its checksum and GRE
header. Request ids count up with --step-reqid; --nat adds the Cisco NAT
extension (type 9) with the CIEs given, --fwd-transit and --rev Forward
and Reverse Transit NHS records (types 4, 5), --ext an empty extension of
any type; --quote makes an Error Indication about a packet of the
victim's (TYPE/REQID). Without --type the GRE payload is --len bytes of
another Ethertype (--ethertype).
"""
import argparse, ipaddress, os, socket, struct, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nhrp_forge import csum, gre

def addr(a):
    return ipaddress.ip_address(a).packed

def cie(spec):  # CODE/PLEN/NBMA/PROTO[/HOLD], "-": no address
    f = spec.split("/")
    nb = b"" if f[2] == "-" else addr(f[2])
    pr = b"" if f[3] == "-" else addr(f[3])
    hold = int(f[4]) if len(f) > 4 else 60
    return struct.pack("!BBHHHBBBB", int(f[0]), int(f[1]), 0, 1400, hold,
                       len(nb), 0, len(pr), 0) + nb + pr

def msg(t, flags, reqid, code, nbma, sp, dp, body, exts, hop=255):
    if t >= 7:
        mand = struct.pack("!BBHHH", len(sp), len(dp), 0, code, 0)
    else:
        mand = struct.pack("!BBHI", len(sp), len(dp), flags, reqid)
    mand += nbma + sp + dp + body
    if exts:
        exts += struct.pack("!HH", 0x8000, 0)
    hlen = 20 + len(mand)
    pkt = struct.pack("!HH5sBHHHBBBB", 1 if len(nbma) == 4 else 2,
                      0x0800 if len(sp) == 4 else 0x86DD, b"\0" * 5, hop,
                      hlen + len(exts), 0, hlen if exts else 0, 1, t,
                      len(nbma), 0) + mand + exts
    return pkt[:12] + struct.pack("!H", csum(pkt)) + pkt[14:]

p = argparse.ArgumentParser()
p.add_argument("--src", default="192.0.2.4")
p.add_argument("--dst", required=True)
p.add_argument("--count", type=int, default=1)
p.add_argument("--ethertype", type=lambda x: int(x, 0), default=0x2001)
p.add_argument("--len", type=int, default=64,
               help="payload length without --type (not NHRP)")
p.add_argument("--type", type=int, help="NHRP type; none: not NHRP")
p.add_argument("--hop", type=int, default=255)
p.add_argument("--flags", type=lambda x: int(x, 0), default=0)
p.add_argument("--reqid", type=lambda x: int(x, 0), default=1)
p.add_argument("--step-reqid", action="store_true")
p.add_argument("--code", type=int, default=0)
p.add_argument("--src-nbma")
p.add_argument("--src-proto")
p.add_argument("--dst-proto")
p.add_argument("--cie", action="append", default=[])
p.add_argument("--fwd-transit", action="append", default=[],
               help="CIE of a Forward Transit NHS record (extension 4)")
p.add_argument("--nat", action="append", default=[])
p.add_argument("--rev", action="append", default=[],
               help="CIE of a Reverse Transit NHS record (extension 5)")
p.add_argument("--ext", action="append", default=[],
               help="an empty extension of this type (e.g. 0x8077)")
p.add_argument("--quote", help="TYPE/REQID of the packet an EI is about")

def packet(a, reqid):
    if not a.type:
        payload = (bytes(range(256)) * (a.len // 256 + 1))[:a.len]
        body = gre(payload, None)
        return body[:2] + struct.pack("!H", a.ethertype) + body[4:]
    if not (a.src_nbma and a.src_proto and a.dst_proto):
        sys.exit("--type needs --src-nbma, --src-proto and --dst-proto")
    nbma, sp, dp = addr(a.src_nbma), addr(a.src_proto), addr(a.dst_proto)
    if a.quote:  # a whole packet of ours: from the victim to the sender
        t, r = (int(x, 0) for x in a.quote.split("/"))
        body = msg(t, 0, r, 0, addr(a.dst), dp, sp, b"", b"")
    else:
        body = b"".join(cie(c) for c in a.cie)
    exts = b""
    if a.fwd_transit:
        recs = b"".join(cie(c) for c in a.fwd_transit)
        exts += struct.pack("!HH", 0x8004, len(recs)) + recs
    if a.rev:
        recs = b"".join(cie(c) for c in a.rev)
        exts += struct.pack("!HH", 0x8005, len(recs)) + recs
    if a.nat:
        recs = b"".join(cie(c) for c in a.nat)
        exts += struct.pack("!HH", 0x0009, len(recs)) + recs
    for e in a.ext:
        exts += struct.pack("!HH", int(e, 0), 0)
    body = gre(msg(a.type, a.flags, reqid, a.code, nbma, sp, dp, body, exts,
                   a.hop), None)
    return body[:2] + struct.pack("!H", a.ethertype) + body[4:]

def read(path):  # "SRC DST TYPE REQID DSTPROTO 4|6" per NHRP packet
    d = open(path, "rb").read()
    off = 24
    while off + 16 <= len(d):
        n = struct.unpack("<I", d[off + 8:off + 12])[0]
        if off + 16 + n > len(d):
            break
        f, off = d[off + 16:off + 16 + n], off + 16 + n
        ip = f[14:]
        if len(ip) < 20 or ip[9] != 47:
            continue
        g = ip[(ip[0] & 15) * 4:]
        if g[2:4] != b"\x20\x01":
            continue
        h = g[8:] if g[0] & 0x20 else g[4:]
        if len(h) < 28:
            continue
        at = 28 + (h[18] & 63) + (h[19] & 63) + h[20]
        dp = h[at:at + h[21]]
        print(ipaddress.ip_address(ip[12:16]), ipaddress.ip_address(ip[16:20]),
              h[17], struct.unpack("!I", h[24:28])[0],
              ipaddress.ip_address(dp) if len(dp) in (4, 16) else "-",
              6 if h[2:4] == b"\x86\xdd" else 4)

if sys.argv[1:2] == ["--read"]:
    read(sys.argv[2])
    sys.exit(0)

# Packets separated by "+" words, sent in order on one socket.
segs = [[]]
for w in sys.argv[1:]:
    if w == "+":
        segs.append([])
    else:
        segs[-1].append(w)
todo = []
for seg in segs:
    a = p.parse_args(seg)
    if not 1 <= a.count <= 1000:
        sys.exit("count out of range")
    for i in range(a.count):
        todo.append((a, packet(a, a.reqid + (i if a.step_reqid else 0))))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
for i, (a, body) in enumerate(todo):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(body), i, 0, 255,
                     47, 0, addr(a.src), addr(a.dst))
    s.sendto(ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + body,
             (a.dst, 0))
