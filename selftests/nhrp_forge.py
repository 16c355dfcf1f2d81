#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Forge NHRP Traffic Indications for the hostile-input selftests.

Built byte by byte here, independently of the module's codec, and sent in
GRE over a raw IPv4 socket with an IP header of our own, so the outer source
can be anyone's (an attacker spoofing the hub). Bounded: --count packets.

  nhrp_forge.py --src 192.0.2.9 --dst 192.0.2.2 \\
      --nbma 192.0.2.1 --proto 10.0.0.1 --inner-src 10.1.0.1 \\
      --inner-dst 10.2.0.1 [--payload N] [--count N] [--step-dst]
      [--key K] [--auth SECRET] [--hop H]
"""
import argparse
import ipaddress
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def inner_packet(src, dst, size):
    """An ICMP echo request src -> dst, cut to size bytes."""
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if s.version == 4:
        icmp = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + b"\xab" * 56
        icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0,
                          63, 1, 0, s.packed, d.packed)
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    else:
        icmp = struct.pack("!BBHHH", 128, 0, 0, 0x1234, 1) + b"\xab" * 56
        hdr = struct.pack("!IHBB16s16s", 6 << 28, len(icmp), 58, 63,
                          s.packed, d.packed)
    return (hdr + icmp)[:size]


def traffic_indication(a, inner_dst):
    nbma = ipaddress.ip_address(a.nbma).packed
    proto = ipaddress.ip_address(a.proto).packed
    dproto = ipaddress.ip_address(a.inner_src).packed
    pro_type = 0x0800 if len(proto) == 4 else 0x86DD
    payload = inner_packet(a.inner_src, inner_dst, a.payload)
    mand = struct.pack("!BBHHH", len(proto), len(dproto), 0, 0, 0)
    mand += nbma + proto + dproto + payload
    exts = b""
    if a.auth:
        secret = a.auth.encode()
        exts += struct.pack("!HH", 0x8007, 4 + len(secret))
        exts += struct.pack("!I", 1) + secret
    if exts:
        exts += struct.pack("!HH", 0x8000, 0)
    hlen = 20 + len(mand)
    total = hlen + len(exts)
    fixed = struct.pack("!HH5sBHHHBBBB", 1, pro_type, b"\0" * 5, a.hop,
                        total, 0, hlen if exts else 0, 1, 8, len(nbma), 0)
    pkt = fixed + mand + exts
    return pkt[:12] + struct.pack("!H", csum(pkt)) + pkt[14:]


def gre(payload, key):
    if key is None:
        return struct.pack("!HH", 0, 0x2001) + payload
    return struct.pack("!HHI", 0x2000, 0x2001, key) + payload


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--src", required=True, help="outer source (spoofed)")
    p.add_argument("--dst", required=True, help="outer destination")
    p.add_argument("--nbma", required=True, help="Source NBMA claimed")
    p.add_argument("--proto", required=True, help="Source Protocol claimed")
    p.add_argument("--inner-src", required=True)
    p.add_argument("--inner-dst", required=True)
    p.add_argument("--payload", type=int, default=28,
                   help="bytes of the embedded packet (default 28)")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--step-dst", action="store_true",
                   help="a new embedded destination in each packet")
    p.add_argument("--key", type=int)
    p.add_argument("--auth")
    p.add_argument("--hop", type=int, default=255)
    a = p.parse_args()
    if not 1 <= a.count <= 100000:
        sys.exit("count out of range")

    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    src = ipaddress.ip_address(a.src).packed
    dst = ipaddress.ip_address(a.dst).packed
    base = ipaddress.ip_address(a.inner_dst)
    for i in range(a.count):
        target = base + i if a.step_dst else base
        body = gre(traffic_indication(a, str(target)), a.key)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(body), i & 0xFFFF,
                         0, 255, 47, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        sock.sendto(ip + body, (a.dst, 0))
    print("sent=%d" % a.count)


if __name__ == "__main__":
    main()
