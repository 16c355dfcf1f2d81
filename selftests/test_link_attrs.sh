#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Link attributes round-trip: `ip link add/set ... type dmvpn` (through
# the iproute2 plugin) -> kernel -> `ip -d -j link show`, and refusals
# carry the kernel's or the plugin's explanation.
set -u
source "$(dirname "$0")/lib.sh"
require_cmd ip jq setpriv /usr/bin/python3 tcpdump
load_dmvpn
[ -f "$IP_LIB_DIR/link_dmvpn.so" ] || skip_all "iproute2 plugin not built"

ns=$(ns_name a)
ip -n "$ns" link add eth0 type dummy
ip -n "$ns" addr add 192.0.2.1/24 dev eth0
# A secret no other attribute of the dump could contain by chance.
printf 'Zq7#Kx2!\n' > "$TMPDIR/secret"

info() { n "$ns" ip -d -j link show "$1" | jq -c '.[0].linkinfo.info_data'; }
field() { info "$1" | jq -r ".$2"; }

ktap_plan 10

create_all()
{
	n "$ns" ip link add d0 type dmvpn local 192.0.2.1 dev eth0 key 42 \
		ttl 10 tos inherit network-id 7 holdtime 600 \
		registration-timeout 100 max-entries 1000 redirect noshortcut \
		nounique nat-ext server-only authfile "$TMPDIR/secret" \
		max-send 200 max-send-interval 30 redirect-timeout 7 || return 1
	local got want
	got=$(info d0)
	want='{"local":"192.0.2.1","link":"eth0","key":42,"ttl":10,"tos":"inherit","network_id":7,"holdtime":600,"registration_timeout":100,"max_entries":1000,"max_send":200,"max_send_interval":30,"redirect_timeout":7,"redirect":true,"shortcut":false,"unique":false,"nat-ext":true,"server-only":true,"auth":true}'
	echo "# $got"
	[ "$(jq -S . <<< "$got")" = "$(jq -S . <<< "$want")" ]
}
run_test "every option set at creation reads back" create_all

set_one()
{
	n "$ns" ip link set d0 type dmvpn holdtime 900 shortcut || return 1
	[ "$(field d0 holdtime)" = 900 ] && [ "$(field d0 shortcut)" = true ] &&
	[ "$(field d0 redirect)" = true ] && [ "$(field d0 key)" = 42 ] &&
	[ "$(field d0 unique)" = false ]
}
run_test "ip link set changes what it names and keeps the rest" set_one

# link_read MODE IFNAME: as user nobody, read IFNAME's RTM_NEWLINK from a
# dump (MODE dump) or from the next RTNLGRP_LINK notification (MODE
# notify; it prints "listening" first); prints "messages N auth-set 0|1
# secret 0|1", secret 1 when the secret's bytes are anywhere in them.
link_read()
{
	n "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups \
		/usr/bin/python3 -S - "$1" "$2" "$(head -c 8 "$TMPDIR/secret")" <<'PY'
import socket, struct, sys, time
mode, ifname, secret = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
IFLA_IFNAME, IFLA_LINKINFO, IFLA_INFO_DATA = 3, 18, 2
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
if mode == "notify":
    s.bind((0, 1))            # RTNLGRP_LINK
    print("listening", flush=True)
else:
    s.bind((0, 0))
    s.send(struct.pack("=IHHII", 32, 18, 0x301, 1, 0) + bytes(16))
def attrs(b):
    while len(b) >= 4:
        l, t = struct.unpack_from("=HH", b)
        if l < 4:
            return
        yield t & 0x3fff, b[4:l]
        b = b[(l + 3) & ~3:]
n = auth = leak = 0
deadline = time.time() + 10
s.settimeout(1)
while time.time() < deadline and not (mode == "notify" and n):
    try:
        buf = s.recv(65536)
    except socket.timeout:
        continue
    done = False
    while len(buf) >= 16:
        l, t = struct.unpack_from("=IH", buf)
        msg, buf = buf[:l], buf[(l + 3) & ~3:]
        if t == 3:            # NLMSG_DONE
            done = True
        if t != 16:           # RTM_NEWLINK
            continue
        a = dict(attrs(msg[32:]))
        if a.get(IFLA_IFNAME, b"").rstrip(b"\0") != ifname:
            continue
        n += 1
        leak |= secret in msg
        info = dict(attrs(a.get(IFLA_LINKINFO, b"")))
        data = dict(attrs(info.get(IFLA_INFO_DATA, b"")))
        auth |= 17 in data    # IFLA_DMVPN_AUTH_SET
    if done:
        break
print("messages %d auth-set %d secret %d" % (n, auth, int(leak)))
PY
}

secret_hidden()
{
	local got fifo=$TMPDIR/notify pid
	got=$(link_read dump d0)
	echo "# dump as nobody: $got"
	[ "$got" = "messages 1 auth-set 1 secret 0" ] || return 1
	mkfifo "$fifo"
	link_read notify d0 > "$fifo" & pid=$!
	exec {fd}< "$fifo"
	read -r -t 10 got <&"$fd" && [ "$got" = listening ] || { wait $pid; return 1; }
	# (a changelink notifies only a device that is up)
	n "$ns" ip link set d0 up || return 1
	read -r -t 15 got <&"$fd"; exec {fd}<&-; wait $pid
	echo "# notification as nobody: $got"
	[ "$got" = "messages 1 auth-set 1 secret 0" ] || return 1
	[ "$(field d0 auth)" = true ] || return 1
	n "$ns" ip link set d0 type dmvpn noauth || return 1
	got=$(link_read dump d0)
	echo "# after noauth: $got, ip shows auth: $(field d0 auth)"
	[ "$got" = "messages 1 auth-set 0 secret 0" ] && [ "$(field d0 auth)" = null ]
}
run_test "the NHRP secret is never given back: dumps and notifications say only that it is set" \
	secret_hidden

nokey()
{
	local m0 m1
	m0=$(n "$ns" cat /sys/class/net/d0/mtu)
	n "$ns" ip link set d0 type dmvpn nokey || return 1
	m1=$(n "$ns" cat /sys/class/net/d0/mtu)
	echo "# mtu $m0 -> $m1 without the key"
	[ "$(field d0 key)" = null ] && [ $((m1 - m0)) -eq 4 ]
}
run_test "nokey removes the key and gives its 4 bytes back to the MTU" nokey

defaults()
{
	n "$ns" ip link add d1 type dmvpn || return 1
	local got
	got=$(info d1 | jq -c '{local,ttl,tos,network_id,holdtime,max_entries,max_send,max_send_interval,redirect_timeout,unique,"nat-ext",redirect}')
	echo "# $got"
	[ "$got" = '{"local":"any","ttl":64,"tos":0,"network_id":1,"holdtime":7200,"max_entries":65536,"max_send":1000,"max_send_interval":10,"redirect_timeout":2,"unique":true,"nat-ext":true,"redirect":false}' ]
}
run_test "defaults without options" defaults

ipv6_underlay()
{
	n "$ns" ip link add d6 type dmvpn local 2001:db8::1 || return 1
	[ "$(field d6 local)" = 2001:db8::1 ] &&
	[ "$(n "$ns" ip -j link show d6 | jq -r '.[0].link_type')" = gre6 ]
}
run_test "IPv6 underlay device" ipv6_underlay

refused()
{
	local out
	out=$(n "$ns" ip link add d2 type dmvpn ttl 256 2>&1) && return 1
	echo "# ttl 256: $out"
	out=$(n "$ns" ip link set d6 type dmvpn local 192.0.2.1 2>&1) && return 1
	echo "# family change: $out"
	echo "$out" | grep -q "underlay address family" || return 1
	out=$(n "$ns" ip link add d3 type dmvpn local 224.0.0.5 2>&1) && return 1
	echo "# multicast local: $out"
	echo "$out" | grep -q "cannot be multicast" || return 1
	# Cisco's range for ip nhrp redirect timeout: 2..30.
	out=$(n "$ns" ip link add d4 type dmvpn redirect-timeout 1 2>&1) && return 1
	echo "# redirect-timeout 1: $out"
	echo "$out" | grep -q "out of range" || return 1
	out=$(n "$ns" ip link add d4 type dmvpn redirect-timeout 31 2>&1) && return 1
	echo "$out" | grep -q "out of range"
}
run_test "invalid values refused with an explanation" refused

map_refused()
{
	local out
	out=$(n "$ns" "$DMVPNCTL" map add d6 10.0.0.2 192.0.2.2 2>&1) && return 1
	echo "# $out"
	echo "$out" | grep -q "family differs" || return 1
	out=$(n "$ns" "$DMVPNCTL" map add d0 10.0.0.1/24 192.0.2.2 2>&1) && return 1
	echo "# $out"
	echo "$out" | grep -q "host bits" || return 1
	n "$ns" ip link set d0 type dmvpn max-entries 1
	n "$ns" "$DMVPNCTL" map add d0 10.0.0.2 192.0.2.2 || return 1
	out=$(n "$ns" "$DMVPNCTL" map add d0 10.0.0.3 192.0.2.3 2>&1) && return 1
	echo "# $out"
	echo "$out" | grep -q "cache is full" &&
	[ "$(n "$ns" "$DMVPNCTL" -j stats d0 | jq '."cache-full"')" = 1 ]
}
run_test "bad mappings refused with the kernel's message, cache limit counted" map_refused

# Dumps walk devices by ifindex: a device moved in keeps its ifindex when
# it is free there (ten dummies made and deleted first push dx's above
# it) and goes to the end of the device list, after dx: both dumped, the
# moved one first, by every dump (cache, peers, devices).
mx=$(ns_name mx); my=$(ns_name my)
moved_dump()
{
	local i got want iy ix
	{ for i in $(seq 2 11); do echo "link add name pad$i type dummy"; done
	  for i in $(seq 2 11); do echo "link del dev pad$i"; done; } |
		ip -n "$mx" -batch - || return 1
	n "$mx" ip link add name dx type dmvpn local 192.0.2.1 || return 1
	n "$my" ip link add name dy type dmvpn local 192.0.2.2 || return 1
	n "$mx" "$DMVPNCTL" map add dx 10.0.0.9 192.0.2.9 &&
	n "$my" "$DMVPNCTL" map add dy 10.0.0.8 192.0.2.8 &&
	iy=$(n "$my" cat /sys/class/net/dy/ifindex)
	n "$my" ip link set dev dy netns "$mx" || return 1
	ix=$(n "$mx" cat /sys/class/net/dx/ifindex)
	echo "# ifindex: dx $ix, dy $iy, after the move $(n "$mx" cat /sys/class/net/dy/ifindex)"
	[ "$(n "$mx" cat /sys/class/net/dy/ifindex)" = "$iy" ] && [ "$iy" -lt "$ix" ] || return 1
	want="dy:10.0.0.8 dx:10.0.0.9"
	got=$(n "$mx" "$DMVPNCTL" -j cache | jq -r '[.[] | "\(.dev):\(.proto)"] | join(" ")')
	echo "# cache: $got"
	[ "$got" = "$want" ] || return 1
	got=$(n "$mx" "$DMVPNCTL" -j peers | jq -r '[.[] | "\(.dev):\(.nbma)"] | join(" ")')
	echo "# peers: $got"
	[ "$got" = "dy:192.0.2.8 dx:192.0.2.9" ] || return 1
	got=$(n "$mx" "$DMVPNCTL" -j stats | jq -r '[.[] | .dev] | join(" ")')
	echo "# stats: $got"
	[ "$got" = "dy dx" ]
}
run_test "dumps walk devices by ifindex: one moved in with a lower one is not skipped" moved_dump

# A key turned on and off while packets go out: each packet is built with
# one configuration, its key flag, key and header length all from the
# same change (changelink publishes a whole new one). kf sends 300 UDP
# datagrams to a static map over a dummy underlay (tcpdump sees what the
# tunnel transmits) while ip flips "nokey"/"key 42" 30 times (one
# command each: spread over the datagrams, not done between two).
# Every captured GRE packet must be whole: K set, an 8-byte header and key
# 42, or K clear and 4 bytes, then the inner IPv4 header with a good
# checksum toward 10.0.0.2. Both kinds must occur, or the flips missed
# the traffic and the case proved nothing. On one vCPU a packet is never
# built across a change, so only check-smp can catch the old torn read.
gre_check()
{
	/usr/bin/python3 -S - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
magic, = struct.unpack("<I", data[:4])
end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
link, = struct.unpack(end + "I", data[20:24])
l2 = {1: 14, 113: 16, 276: 20}.get(link)
if l2 is None:
    sys.exit("link type %d" % link)
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s
off, keyed, plain, torn = 24, 0, 0, 0
while off + 16 <= len(data):
    caplen, = struct.unpack(end + "I", data[off + 8:off + 12])
    pkt = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    ip = pkt[l2:]
    if len(ip) < 20 or ip[9] != 47:
        continue
    gre = ip[(ip[0] & 15) * 4:]
    flags, proto = struct.unpack("!HH", gre[:4])
    k = flags & 0x2000
    hlen = 8 if k else 4
    inner = gre[hlen:hlen + 20]
    ok = (proto == 0x0800 and flags & ~0x2000 == 0 and len(inner) == 20 and
          inner[0] == 0x45 and csum(inner) == 0xffff and
          inner[16:20] == bytes([10, 0, 0, 2]) and
          (not k or struct.unpack("!I", gre[4:8])[0] == 42))
    if not ok:
        torn += 1
    elif k:
        keyed += 1
    else:
        plain += 1
print(keyed, plain, torn)
PY
}
key_flip()
{
	local i got keyed plain torn sender
	n "$ns" ip link set eth0 up &&
	n "$ns" ip link add kf type dmvpn local 192.0.2.1 dev eth0 key 42 &&
	n "$ns" sysctl -qw net.ipv6.conf.kf.disable_ipv6=1 &&
	n "$ns" ip addr add 10.0.0.1/24 dev kf && n "$ns" ip link set kf up &&
	n "$ns" "$DMVPNCTL" map add kf 10.0.0.2 192.0.2.2 || return 1
	nhrp_capture_start "$ns" eth0 "$TMPDIR/kf.pcap" || return 1
	n "$ns" /usr/bin/python3 -S -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(300):
    s.sendto(b"x" * 32, ("10.0.0.2", 9))
    time.sleep(0.01)' &
	sender=$!
	# The flips start once the datagrams flow (the interpreter takes a
	# while to start under emulation) and end before they do.
	nhrp_capture_wait 20 "$TMPDIR/kf.pcap" 20
	for i in $(seq 15); do
		n "$ns" ip link set kf type dmvpn nokey &&
		n "$ns" ip link set kf type dmvpn key 42 ||
			{ wait "$sender"; nhrp_capture_stop; return 1; }
	done
	wait "$sender" || { nhrp_capture_stop; return 1; }
	nhrp_capture_wait 10 "$TMPDIR/kf.pcap" 300
	nhrp_capture_stop "$TMPDIR/kf.pcap"
	got=$(gre_check "$TMPDIR/kf.pcap") || { echo "# $got"; return 1; }
	read -r keyed plain torn <<< "$got"
	echo "# $keyed keyed, $plain unkeyed, $torn torn, of $((keyed + plain + torn))"
	[ "$torn" -eq 0 ] && [ $((keyed + plain)) -eq 300 ] &&
	[ "$keyed" -gt 0 ] && [ "$plain" -gt 0 ]
}
run_test "a key flipped 30 times under 300 datagrams: every GRE header whole" key_flip

ktap_finish
