#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Transport-mode ESP for "proto gre" from the kernel's XFRM.
#
#   $a 192.0.2.1 ---- $inet (br0, capture here) ---- 192.0.2.2 $b
#   dmvpn0: 10.0.0.1/24                               10.0.0.2/24
#
# The outer route lookup toward each peer applies the XFRM policy, so
# static SAs and policies are all it takes. With an inbound policy that
# requires ESP, plaintext GRE from the peer is dropped and counted.
set -u
source "$(dirname "$0")/lib.sh"
require_cmd ip ping tcpdump jq
load_dmvpn
modprobe -q esp4 2>/dev/null
modprobe -q xfrm_user 2>/dev/null

a=$(ns_name a); b=$(ns_name b)
topo_create "$a" "$b"
inet=$(topo_inet)

key1=0x0123456789abcdef0123456789abcdef01234567
key2=0x89abcdef0123456789abcdef0123456789abcdef
sa() # NS SRC DST SPI KEY
{
	n "$1" ip xfrm state add src "$2" dst "$3" proto esp spi "$4" \
		mode transport aead 'rfc4106(gcm(aes))' "$5" 128
}
policy() # NS SRC DST DIR
{
	n "$1" ip xfrm policy add src "$2" dst "$3" proto gre dir "$4" \
		tmpl src "$2" dst "$3" proto esp mode transport
}
for ns in "$a" "$b"; do
	sa "$ns" 192.0.2.1 192.0.2.2 0x101 $key1
	sa "$ns" 192.0.2.2 192.0.2.1 0x102 $key2
done
policy "$a" 192.0.2.1 192.0.2.2 out
policy "$a" 192.0.2.2 192.0.2.1 in
policy "$b" 192.0.2.2 192.0.2.1 out
policy "$b" 192.0.2.1 192.0.2.2 in

for x in "$a:1:2" "$b:2:1"; do
	IFS=: read -r ns i o <<< "$x"
	n "$ns" ip link add dmvpn0 type dmvpn local 192.0.2.$i
	n "$ns" ip addr add 10.0.0.$i/24 dev dmvpn0
	n "$ns" ip link set dmvpn0 up
	n "$ns" "$DMVPNCTL" map add dmvpn0 10.0.0.$o 192.0.2.$o
done

ktap_plan 3

cap=$TMPDIR/underlay.pcap
encrypted()
{
	# Not through n(): $! must be tcpdump itself. Background jobs ignore
	# SIGINT, so it is stopped with SIGTERM.
	ip netns exec "$inet" tcpdump -i br0 -nn -U --immediate-mode -w "$cap" \
		'ip proto 47 or ip proto 50' > /dev/null 2> "$TMPDIR/tcpdump.err" &
	local pid=$!
	wait_for 10 grep -q listening "$TMPDIR/tcpdump.err" || return 1
	ping_ok "$a" 10.0.0.2 5 -i 0.1
	local rc=$?
	# Requests and replies: wait until the capture file holds all ten.
	wait_for 10 sh -c "[ \$(tcpdump -nn -r '$cap' 2>/dev/null | wc -l) -ge 10 ]"
	kill -TERM $pid; wait $pid
	local esp gre
	esp=$(tcpdump -nn -r "$cap" 'ip proto 50' 2>/dev/null | wc -l)
	gre=$(tcpdump -nn -r "$cap" 'ip proto 47' 2>/dev/null | wc -l)
	echo "# underlay capture: $esp ESP, $gre GRE"
	# Five requests and five replies, each one ESP packet.
	[ $rc -eq 0 ] && [ "$esp" -eq 10 ] && [ "$gre" -eq 0 ]
}
run_test "traffic flows and the underlay sees only ESP" encrypted

xfrm_used()
{
	local pkts
	pkts=$(n "$a" ip -s xfrm state get src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x101 |
	       grep -o '[0-9]\+(packets)' | head -n 1 | tr -dc 0-9)
	echo "# SA 0x101 carried ${pkts:-?} packets"
	# The five requests of the test above, nothing else goes a -> b.
	[ "${pkts:-0}" -eq 5 ]
}
run_test "the outbound SA counts the tunnel's packets" xfrm_used

plaintext_refused()
{
	local before after
	before=$(counter "$a" rx-policy-drop)
	# b stops protecting its GRE: a still requires ESP inbound.
	n "$b" ip xfrm policy del src 192.0.2.2 dst 192.0.2.1 proto gre dir out
	ping_none "$b" 10.0.0.1 3 || return 1
	after=$(counter "$a" rx-policy-drop)
	echo "# rx-policy-drop $before -> $after"
	[ "$after" -eq $((before + 3)) ]
}
run_test "plaintext GRE from the peer is dropped and counted" plaintext_refused

ktap_finish
