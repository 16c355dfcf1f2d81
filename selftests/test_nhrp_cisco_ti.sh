#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The hub's Traffic Indication against a real Cisco hub's, in the lab of
# networklessons-dmvpn-phase-3-icmp-spoke1-hub-spoke2.pcap rebuilt as
# captured: same addresses, password DMVPN, no GRE key.
#
#   $sp1 192.168.123.2 ----+                 frame 1: spoke1's ICMP echo
#                          |                 2.2.2.2 -> 3.3.3.3 in GRE to
#   $hub 192.168.123.1 ----+-- $inet br0     the hub, replayed byte for byte
#   dmvpn0 172.16.123.1    |
#   redirect               |                 frame 7: the Cisco hub's TI to
#   $sp2 192.168.123.3 ----+                 spoke1; ours must be the same
#                                            bytes, checksum included, and
#                                            decode to the same fields
set -u
source "$(dirname "$0")/lib.sh"

PCAPS=$REPO/../shared/pcaps
CAP=$PCAPS/networklessons-dmvpn-phase-3-icmp-spoke1-hub-spoke2.pcap
[ -r "$CAP" ] || skip_all "$CAP missing"
require_cmd ip tcpdump tshark python3
load_dmvpn

TOOL=$TMPDIR/ti_pcap.py
cat > "$TOOL" <<'PY'
import socket
import struct
import sys


def records(path):
	d = open(path, 'rb').read()
	e = '<' if d[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
	link, off, out = struct.unpack(e + 'I', d[20:24])[0], 24, []
	while off + 16 <= len(d):
		incl = struct.unpack(e + 'I', d[off + 8:off + 12])[0]
		out.append(d[off + 16:off + 16 + incl])
		off += 16 + incl
	return link, out


def gre(path, frame):
	"""GRE header and payload of a frame (Ethernet or cooked capture)."""
	link, recs = records(path)
	pkt = recs[frame - 1]
	ip = pkt[{1: 14, 113: 16}[link]:]
	ip = ip[:struct.unpack('>H', ip[2:4])[0]]
	assert ip[9] == 47, 'not GRE'
	return ip[(ip[0] & 15) * 4:]


cmd = sys.argv[1]
if cmd == 'replay':		# replay CAP FRAME DST: the GRE packet, from here
	s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
	s.sendto(gre(sys.argv[2], int(sys.argv[3])), (sys.argv[4], 0))
elif cmd == 'nhrp':		# nhrp CAP FRAME: NHRP bytes (after a 4-byte GRE header) in hex
	g = gre(sys.argv[2], int(sys.argv[3]))
	assert g[:4] == b'\x00\x00\x20\x01', 'not keyless GRE carrying NHRP'
	print(g[4:].hex())
PY

hub=$(ns_name hub); sp1=$(ns_name sp1); sp2=$(ns_name sp2)
topo_create "$hub" "$sp1" "$sp2"
for i in 1 2 3; do
	n "$(topo_site $i)" ip addr add 192.168.123.$i/24 dev eth0
done
printf 'DMVPN' > "$TMPDIR/auth"
n "$hub" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
	net.ipv4.conf.default.send_redirects=0
n "$hub" ip link add dmvpn0 type dmvpn local 192.168.123.1 redirect \
	authfile "$TMPDIR/auth"
n "$hub" ip addr add 172.16.123.1/24 dev dmvpn0
n "$hub" ip link set dmvpn0 up
n "$hub" "$DMVPNCTL" map add dmvpn0 172.16.123.2 192.168.123.2
n "$hub" "$DMVPNCTL" map add dmvpn0 172.16.123.3 192.168.123.3
n "$hub" ip route add 2.2.2.2/32 via 172.16.123.2 dev dmvpn0
n "$hub" ip route add 3.3.3.3/32 via 172.16.123.3 dev dmvpn0

ktap_plan 3

OURS=$TMPDIR/ti.pcap
capture_ti()
{
	nhrp_capture_start "$hub" eth0 "$OURS" || return 1
	n "$sp1" python3 "$TOOL" replay "$CAP" 1 192.168.123.1 || return 1
	# The data packet to spoke2 and the TI to spoke1.
	nhrp_capture_wait 10 "$OURS" 2
	nhrp_capture_stop "$OURS"
	[ "$(dev_stat "$hub" dmvpn0 redirect-tx)" -eq 1 ] ||
		{ echo "# redirect-tx $(dev_stat "$hub" dmvpn0 redirect-tx)"; return 1; }
	[ "$(tcpdump -nn -r "$OURS" 'dst host 192.168.123.2' 2>/dev/null | wc -l)" -eq 1 ]
}
run_test "replayed Cisco frame 1 is forwarded and exactly one TI goes to spoke1" capture_ti

same_bytes()
{
	local ours cisco frame
	frame=$(tcpdump -nn -r "$OURS" 2>/dev/null | grep -n '> 192.168.123.2' | cut -d: -f1)
	[ -n "$frame" ] || return 1
	ours=$(python3 "$TOOL" nhrp "$OURS" "$frame") || return 1
	cisco=$(python3 "$TOOL" nhrp "$CAP" 7) || return 1
	echo "# ours:  $ours"
	echo "# cisco: $cisco"
	[ "$ours" = "$cisco" ]
}
run_test "our TI is byte for byte Cisco's frame 7 (checksum included)" same_bytes

# The NHRP part of tshark's full decode, without frame-level lines.
nhrp_fields()
{
	tshark -r "$1" -Y "frame.number == $2" -V 2>/dev/null |
		sed -n '/^Next Hop Resolution Protocol/,$p'
}

same_fields()
{
	local frame
	frame=$(tcpdump -nn -r "$OURS" 2>/dev/null | grep -n '> 192.168.123.2' | cut -d: -f1)
	nhrp_fields "$OURS" "$frame" > "$TMPDIR/ours.txt"
	nhrp_fields "$CAP" 7 > "$TMPDIR/cisco.txt"
	echo "# $(grep -c . "$TMPDIR/cisco.txt") decoded lines compared"
	[ -s "$TMPDIR/cisco.txt" ] && diff "$TMPDIR/cisco.txt" "$TMPDIR/ours.txt" | sed 's/^/# /' &&
	cmp -s "$TMPDIR/cisco.txt" "$TMPDIR/ours.txt"
}
run_test "tshark decodes the same NHRP fields in both" same_fields

ktap_finish
