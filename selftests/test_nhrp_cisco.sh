#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The NHRP engine against real packets of other implementations (issue 3,
# issue 12): each capture's lab rebuilt as captured (same addresses, GRE
# key, password, tunnel MTU, holding time), its requests replayed byte for
# byte, and our answers compared with the captured answers byte for byte:
# every field, checksum included (if every field matches, so does the
# checksum). The captures are read where they are (../shared/pcaps).
#
#   $hub                                          $spoke (replays, captures)
#   eth0 192.168.123.1/24 ------ veth ------ eth0 192.168.123.2/24, .3/24
#        169.254.100.5/24                         169.254.100.1/24
#        10.0.0.12/24                             10.0.0.1/24, 10.0.0.11/24
#   dmvpn0 local 192.168.123.1, no key, DMVPN, MTU 17916, holdtime 7200:
#          172.16.123.1/24, 2001:db8::1/64, fe80::f816:3eff:fee9:86d9/64
#   dmvpn1 local 169.254.100.5, key 2, NHRPAUTH, MTU 17912: 155.1.0.5/24
#   dmvpn2 local 10.0.0.12, key 42, holdtime 30: 172.16.0.12/24, LAN
#          192.168.12.0/24 (FRR's spoke 2); FRR's hub 172.16.0.1 mapped
#          to 10.0.0.1 with the nhs flag
#
# Frames used (all NHRP types the captures hold, and purge, which none
# does):
#   networklessons-dmvpn-nhrp-registration.pcap (Cisco IOS, IPv4)
#     (a) frame 1 replayed to the hub: its reply must be frame 2;
#     (b) a dmvpn spoke's own Registration Request must be frame 1 (with
#         its own request id) and the hub's answer frame 2 (the same id).
#   networklessons-dmvpn-ipv6-over-ipv4-nhrp-registrations.pcap (Cisco,
#     IPv6 over IPv4, link-local CIEs): frames 1, 3, 5, 7 (two spokes,
#     registration and refresh) replayed, the replies must be frames 2, 4,
#     6, 8. (networklessons-dmvpn-ipv6-over-ipv4.pcap.pcapng holds the
#     same frames 1-4, byte for byte: not replayed twice.)
#   tcpdump-NHRP_registration.pcap (another IOS, GRE key 2): frames 1 and
#     3 replayed, the replies must be frames 2 and 4.
#   frr-8.4.4-generated-dmvpn-phase3.pcap (FRR nhrpd, the only resolution
#     exchange): frame 29, the hub's forwarded Resolution Request, replayed
#     to a dmvpn owner of 192.168.12.0/24; FRR's answer is frame 31. FRR
#     is no reference for the layout (it answers via the hub, MTU 0,
#     responder prefix 0; we answer as Cisco does): the answer itself must
#     be FRR's, field by field (the list in resolution()).
#   Purge (no capture has one): a Purge Request for the Cisco spoke's
#     binding, reply wanted; the reply must be it with type 6 (RFC 2332
#     5.2.6), byte for byte. And the dmvpn spoke's own withdrawal.
#   Traffic Indications (type 8) are test_nhrp_cisco_ti.sh's; the other
#     captures (tcpdump-nhrp.pcapng: two hubs; tcpdump-NHRP-responder-
#     address.pcap: "ip nhrp responder", another interface's address;
#     tcpdump-ios_nhrp.pcap: a request without its reply) are decoded by
#     userspace/tests/test_nhrp_pcap.c only.
# One capture on the spoke's side holds every exchange; each step waits for
# its NHRP packets and compares those after the ones before it. tshark
# needs tens of seconds under TCG: the capture is decoded once, at the end
# (nhrp_capture_check: exactly the packets of the steps, all clean), the
# reference captures in the background while the traffic runs; the byte
# comparisons need no decoder.
set -u
source "$(dirname "$0")/lib.sh"

PCAPS=$REPO/../shared/pcaps
CAP=$PCAPS/networklessons-dmvpn-nhrp-registration.pcap
CAP6=$PCAPS/networklessons-dmvpn-ipv6-over-ipv4-nhrp-registrations.pcap
CAPK=$PCAPS/tcpdump-NHRP_registration.pcap
CAPF=$PCAPS/frr-8.4.4-generated-dmvpn-phase3.pcap

[ -d "$PCAPS" ] || skip_all "no captures in $PCAPS"
for f in "$CAP" "$CAP6" "$CAPK" "$CAPF"; do
	[ -r "$f" ] || skip_all "$f missing"
done
require_cmd ip tcpdump tshark jq python3
load_dmvpn

# Reading, replaying and comparing captures (Python standard library only).
TOOL=$TMPDIR/nhrp_pcap.py
cat > "$TOOL" <<'PY'
import socket
import struct
import sys

MAGIC = {b'\xd4\xc3\xb2\xa1': ('<', 1000), b'\xa1\xb2\xc3\xd4': ('>', 1000),
	 b'\x4d\x3c\xb2\xa1': ('<', 1), b'\xa1\xb2\x3c\x4d': ('>', 1)}


def pcap_read(path):
	"""Link type and frames (bytes) of a libpcap or pcapng file."""
	d = open(path, 'rb').read()
	if d[:4] == b'\x0a\x0d\x0d\x0a':		# pcapng: IDB, EPB, SPB
		e = '<' if d[8:12] == b'\x4d\x3c\x2b\x1a' else '>'
		off, link, out = 0, None, []
		while off + 12 <= len(d):
			t, blen = struct.unpack(e + 'II', d[off:off + 8])
			if t == 1 and link is None:
				link = struct.unpack(e + 'H', d[off + 8:off + 10])[0]
			elif t == 6:
				incl = struct.unpack(e + 'I', d[off + 20:off + 24])[0]
				out.append(d[off + 28:off + 28 + incl])
			elif t == 3:
				orig = struct.unpack(e + 'I', d[off + 8:off + 12])[0]
				out.append(d[off + 12:off + 12 + min(orig, blen - 16)])
			off += blen
		return link, out
	if d[:4] not in MAGIC:
		sys.exit('%s: not a capture file' % path)
	e = MAGIC[d[:4]][0]
	link = struct.unpack(e + 'I', d[20:24])[0]
	out, off = [], 24
	while off + 16 <= len(d):
		incl = struct.unpack(e + 'I', d[off + 8:off + 12])[0]
		if off + 16 + incl > len(d):	# being written
			break
		out.append(d[off + 16:off + 16 + incl])
		off += 16 + incl
	return link, out


def ip_offset(link, pkt):
	if link == 1:				# Ethernet, maybe one VLAN tag
		return 18 if pkt[12:14] == b'\x81\x00' else 14
	if link == 113:				# Linux cooked
		return 16
	if link in (12, 101, 228):		# raw IPv4
		return 0
	sys.exit('link type %d not handled' % link)


def gre_hdr_len(gre):
	return 4 + 4 * bin(gre[0] & 0xb0).count('1')


def split(link, pkt):
	"""IPv4 header and GRE packet of a frame, or None."""
	ip = pkt[ip_offset(link, pkt):]
	if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 47:
		return None
	ip = ip[:struct.unpack('>H', ip[2:4])[0]]
	ihl = (ip[0] & 15) * 4
	return ip[:ihl], ip[ihl:]


def frames(path):
	"""(frame number, IP header, GRE packet) of every GRE frame."""
	link, recs = pcap_read(path)
	for i, pkt in enumerate(recs):
		s = split(link, pkt)
		if s:
			yield (i + 1,) + s


def frame(path, n):
	for f, iph, gre in frames(path):
		if f == int(n):
			return iph, gre
	sys.exit('%s: frame %s is not GRE over IPv4' % (path, n))


def nhrp_of(gre):
	if struct.unpack('>H', gre[2:4])[0] != 0x2001:
		return None
	return gre[gre_hdr_len(gre):]


def csum(b):
	if len(b) % 2:
		b += b'\0'
	s = sum(struct.unpack('>%dH' % (len(b) // 2), b))
	while s >> 16:
		s = (s & 0xffff) + (s >> 16)
	return ~s & 0xffff


def fix_csum(nhrp):
	b = bytearray(nhrp)
	b[12:14] = b'\0\0'
	b[12:14] = struct.pack('>H', csum(bytes(b)))
	return bytes(b)


# --- a small NHRP decoder: (name, offset, length, value) spans ---------------

EXT_CIES = (3, 4, 5, 9)


def cie(d, off, pfx, nl, pl, out):
	"""One CIE at off; returns the offset after it."""
	code, plen, _, mtu, hold, atl, astl, cpl, pref = \
		struct.unpack('>BBHHHBBBB', d[off:off + 12])
	for name, o, n in (('code', 0, 1), ('prefix', 1, 1), ('mtu', 4, 2),
			   ('htime', 6, 2), ('cli.addr_tl', 8, 1),
			   ('cli.saddr_tl', 9, 1), ('prot.len', 10, 1),
			   ('pref', 11, 1)):
		out.append((pfx + name, off + o, n))
	off += 12
	for name, n in (('nbma', atl & 63), ('nbma.sub', astl & 63),
			('proto', cpl)):
		if n:
			out.append((pfx + name, off, n))
		off += n
	return off


def decode(d):
	"""Spans of every field of an NHRP packet, in wire order."""
	out = []
	for name, o, n in (('hdr.afn', 0, 2), ('hdr.pro', 2, 2),
			   ('hdr.snap', 4, 5), ('hdr.hop', 9, 1),
			   ('hdr.pktsz', 10, 2), ('hdr.chksum', 12, 2),
			   ('hdr.extoff', 14, 2), ('hdr.version', 16, 1),
			   ('hdr.type', 17, 1), ('hdr.shtl', 18, 1),
			   ('hdr.sstl', 19, 1)):
		out.append((name, o, n))
	ptype, shtl, sstl = d[17], d[18] & 63, d[19] & 63
	extoff = struct.unpack('>H', d[14:16])[0]
	spl, dpl = d[20], d[21]
	out += [('src.prot.len', 20, 1), ('dst.prot.len', 21, 1)]
	if ptype == 7:
		out += [('err.code', 22, 2), ('err.offset', 24, 2)]
	else:
		out += [('flags', 22, 2), ('reqid', 24, 4)]
	off = 28
	for name, n in (('src.nbma', shtl), ('src.nbma.sub', sstl),
			('src.proto', spl), ('dst.proto', dpl)):
		if n:
			out.append((name, off, n))
		off += n
	end = extoff or len(d)
	i = 0
	if ptype in (1, 2, 3, 4, 5, 6):
		while off + 12 <= end:
			off = cie(d, off, 'cie%d.' % i, shtl, spl, out)
			i += 1
	elif off < end:
		out.append(('payload', off, end - off))
	off, i = extoff, 0
	while extoff and off + 4 <= len(d):
		t, n = struct.unpack('>HH', d[off:off + 4])
		pfx = 'ext%d.' % i
		out += [(pfx + 'type', off, 2), (pfx + 'len', off + 2, 2)]
		body, stop = off + 4, off + 4 + n
		if (t & 0x3fff) in EXT_CIES:
			j = 0
			while body + 12 <= stop:
				body = cie(d, body, '%scie%d.' % (pfx, j), shtl, spl, out)
				j += 1
		elif n:
			out.append((pfx + 'data', body, n))
		off, i = stop, i + 1
		if t & 0x3fff == 0:
			break
	return out


def show(d, o, n):
	v = d[o:o + n]
	if n == 4 and len(v) == 4:
		return socket.inet_ntoa(v) + ' (0x%s)' % v.hex()
	if n == 16 and len(v) == 16:
		return socket.inet_ntop(socket.AF_INET6, v)
	return '0x' + v.hex()


def fields(d):
	return [(name, show(d, o, n)) for name, o, n in decode(d)]


# --- selecting, replaying, comparing ------------------------------------------

def pick(path, sel):
	"""The IP header and GRE packet of the first NHRP packet matching sel,
	words type=T, reqid=N, src=IP, dst=IP, after=K (not one of the first
	K NHRP packets) joined by commas."""
	want = dict(w.split('=') for w in sel.split(','))
	k = 0
	for f, iph, gre in frames(path):
		n = nhrp_of(gre)
		if n is None:
			continue
		k += 1
		if k <= int(want.get('after', 0)) or len(n) < 28:
			continue
		if 'type' in want and n[17] != int(want['type']):
			continue
		if 'reqid' in want and n[17] != 7 and \
		   struct.unpack('>I', n[24:28])[0] != int(want['reqid'], 0):
			continue
		if 'src' in want and socket.inet_ntoa(iph[12:16]) != want['src']:
			continue
		if 'dst' in want and socket.inet_ntoa(iph[16:20]) != want['dst']:
			continue
		return f, iph, gre
	sys.exit('# no NHRP packet %s in %s' % (sel, path))


def outer(iph):
	return [('ip.tos', '0x%02x' % iph[1]), ('ip.ttl', str(iph[8])),
		('ip.df', str((iph[6] >> 6) & 1)),
		('ip.src', socket.inet_ntoa(iph[12:16])),
		('ip.dst', socket.inet_ntoa(iph[16:20]))]


def raw_compare(name, want_iph, want_gre, got_iph, got_gre):
	"""Outer header fields and every byte of GRE and NHRP, no allowance."""
	bad = 0
	for (k, a), (_, b) in zip(outer(want_iph), outer(got_iph)):
		if a != b:
			print('# %s: %s %s, want %s' % (name, k, b, a))
			bad += 1
	hw, hg = gre_hdr_len(want_gre), gre_hdr_len(got_gre)
	if want_gre[:hw] != got_gre[:hg]:
		print('# %s: GRE header %s, want %s' %
		      (name, got_gre[:hg].hex(), want_gre[:hw].hex()))
		bad += 1
	a, b = want_gre[hw:], got_gre[hg:]
	if a != b:
		bad += 1
		print('# %s: NHRP differs (%d bytes, want %d):' % (name, len(b), len(a)))
		fa, fb = dict(fields(a)), dict(fields(b))
		keys = [k for k, _ in fields(a)]
		keys += [k for k, _ in fields(b) if k not in fa]
		for k in keys:
			if fa.get(k) != fb.get(k):
				print('#   %-24s %-28s want %s' % (k, fb.get(k, '-'), fa.get(k, '-')))
		print('#   got  %s' % b.hex())
		print('#   want %s' % a.hex())
	if not bad:
		print('# %s: identical, %d bytes of NHRP (checksum 0x%s), outer %s' %
		      (name, len(a), a[12:14].hex(),
		       ' '.join('%s=%s' % kv for kv in outer(got_iph)[:3])))
	return bad


def cmd_compare(ref, ref_frame, ours, sel, name, reqid_from=None):
	"""Our packet sel against frame ref_frame of ref, byte for byte. With
	reqid_from (a capture:sel), the reference with the request id that
	packet carries (ours, by choice), its checksum made anew."""
	iph, gre = frame(ref, ref_frame)
	f, oiph, ogre = pick(ours, sel)
	if reqid_from:
		path, s = reqid_from.split(':', 1)
		rid = nhrp_of(pick(path, s)[2])[24:28]
		h = gre_hdr_len(gre)
		n = bytearray(gre[h:])
		if n[24:28] != rid:
			print('# %s: want frame %s with our request id 0x%s' %
			      (name, ref_frame, rid.hex()))
			n[24:28] = rid
		gre = gre[:h] + fix_csum(bytes(n))
	print('# %s: frame %s of ours against frame %s of %s' %
	      (name, f, ref_frame, ref.rsplit('/', 1)[-1]))
	return 1 if raw_compare(name, iph, gre, oiph, ogre) else 0


def cmd_compare_reply(ours, req, sel, name, ref, ref_frame):
	"""Our reply sel must be our request req with the type after its own
	(RFC 2332: a Purge Reply is the Purge Request with type 6), sent back
	the way the request came, byte for byte; the outer TOS, TTL and DF
	those of the reference frame (a reply of the same hub)."""
	_, oiph, ogre = pick(ours, sel)
	_, riph, rgre = pick(ours, req)
	h = gre_hdr_len(rgre)
	n = bytearray(rgre[h:])
	n[17] += 1
	want_iph = bytearray(frame(ref, ref_frame)[0])
	want_iph[12:16], want_iph[16:20] = riph[16:20], riph[12:16]
	return 1 if raw_compare(name, bytes(want_iph), rgre[:h] + fix_csum(bytes(n)),
				oiph, ogre) else 0


def cmd_fields(ref, ref_frame, ours, sel, name, *same):
	"""Field by field: those matching a pattern of same must be equal, the
	others may differ (printed)."""
	import fnmatch
	iph, gre = frame(ref, ref_frame)
	_, oiph, ogre = pick(ours, sel)
	a = outer(iph) + fields(nhrp_of(gre))
	b = outer(oiph) + fields(nhrp_of(ogre))
	da, db = dict(a), dict(b)
	keys = [k for k, _ in a] + [k for k, _ in b if k not in da]
	bad = nsame = 0
	for k in keys:
		va, vb = da.get(k, '-'), db.get(k, '-')
		must = any(fnmatch.fnmatch(k, p) for p in same)
		if va == vb:
			nsame += 1
			continue
		bad += must
		print('# %s: %-22s %-28s reference %-28s %s' %
		      (name, k, vb, va, 'DIFFERS' if must else 'may differ'))
	print('# %s: %d fields the same, %d that must be the same differ' %
	      (name, nsame, bad))
	return 1 if bad else 0


def inject_gre(gre, tos, ttl, src, dst):
	s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
	s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos)
	s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
	s.bind((src, 0))
	s.sendto(gre, (dst, 0))


def cmd_inject(path, n, src=None, dst=None):
	"""Send a frame's GRE packet as captured, from its own source (or src)
	to its own destination (or dst)."""
	iph, gre = frame(path, n)
	src = src or socket.inet_ntoa(iph[12:16])
	dst = dst or socket.inet_ntoa(iph[16:20])
	inject_gre(gre, iph[1], iph[8], src, dst)
	print('# replayed frame %s of %s: %d bytes of GRE, tos 0x%02x ttl %d, %s -> %s' %
	      (n, path.rsplit('/', 1)[-1], len(gre), iph[1], iph[8], src, dst))
	return 0


def cmd_purge(out, src_nbma, src_proto, dst_proto, reqid, secret):
	"""A Purge Request (reply wanted) for src_proto/32, with the
	authentication extension; written as a GRE packet to out."""
	cie = struct.pack('>BBHHHBBBB', 0, 32, 0, 0, 0, 0, 0, 4, 0) + \
		socket.inet_aton(src_proto)
	mand = struct.pack('>BBHI', 4, 4, 0, int(reqid)) + \
		socket.inet_aton(src_nbma) + socket.inet_aton(src_proto) + \
		socket.inet_aton(dst_proto) + cie
	auth = struct.pack('>I', 1) + secret.encode()
	ext = struct.pack('>HH', 0x8007, len(auth)) + auth + struct.pack('>HH', 0x8000, 0)
	extoff = 20 + len(mand)
	n = struct.pack('>HH5sBHHHBBBB', 1, 0x0800, b'\0' * 5, 255,
			extoff + len(ext), 0, extoff, 1, 5, 4, 0) + mand + ext
	open(out, 'wb').write(b'\0\0\x20\x01' + fix_csum(n))
	return 0


def cmd_inject_file(path, tos, ttl, src, dst):
	inject_gre(open(path, 'rb').read(), int(tos, 0), int(ttl), src, dst)
	print('# sent %s: %s -> %s' % (path.rsplit('/', 1)[-1], src, dst))
	return 0


def cmd_corrupt(path, n, out):
	"""The frame alone, its NHRP checksum off by one, into a new file."""
	link, recs = pcap_read(path)
	pkt = recs[int(n) - 1]
	iph, gre = split(link, pkt)
	off = len(pkt) - len(gre) + gre_hdr_len(gre)
	bad = bytearray(pkt)
	bad[off + 13] ^= 1
	with open(out, 'wb') as f:
		f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, link))
		f.write(struct.pack('<IIII', 0, 0, len(bad), len(bad)) + bytes(bad))
	return 0


def cmd_frames(path):
	"""Every NHRP frame: number, outer source and destination, type, id."""
	for f, iph, gre in frames(path):
		n = nhrp_of(gre)
		if n is None:
			continue
		rid = struct.unpack('>I', n[24:28])[0] if n[17] != 7 else 0
		print(f, socket.inet_ntoa(iph[12:16]), socket.inet_ntoa(iph[16:20]),
		      n[17], rid)
	return 0


sys.exit(globals()['cmd_' + sys.argv[1].replace('-', '_')](*sys.argv[2:]))
PY

hub=$(ns_name hub); spoke=$(ns_name spoke)
ip link add eth0 netns "$hub" type veth peer name eth0 netns "$spoke"
for a in 192.168.123.1/24 169.254.100.5/24 10.0.0.12/24; do
	ip -n "$hub" addr add "$a" dev eth0
done
for a in 192.168.123.2/24 192.168.123.3/24 169.254.100.1/24 10.0.0.1/24 \
	 10.0.0.11/24; do
	ip -n "$spoke" addr add "$a" dev eth0
done
ip -n "$hub" link set eth0 up
ip -n "$spoke" link set eth0 up
printf DMVPN > "$TMPDIR/auth"
printf NHRPAUTH > "$TMPDIR/auth2"
py() { python3 "$TOOL" "$@"; }

# Meanwhile, and independent of the module: decode the reference
# captures, and show nhrp_capture_check failing a corrupted copy of one.
(
	nhrp_capture_check "$CAP" "3:1 4:1" > "$TMPDIR/cisco.out" 2>&1
	echo $? > "$TMPDIR/cisco.rc"
	{
		nhrp_capture_check "$CAP6" "3:4 4:4" && nhrp_capture_check "$CAPK" "3:2 4:2"
	} > "$TMPDIR/others.out" 2>&1
	echo $? > "$TMPDIR/others.rc"
	py corrupt "$CAP" 1 "$TMPDIR/corrupt.pcap" &&
		nhrp_capture_check "$TMPDIR/corrupt.pcap" "3:1" > "$TMPDIR/corrupt.out" 2>&1
	echo $? > "$TMPDIR/corrupt.rc"
) </dev/null >/dev/null 2>&1 &
cleanup_add "kill $! 2>/dev/null"

# dmvpn_mtu NS DEV MTU: the Cisco tunnel's MTU, or say why not.
dmvpn_mtu()
{
	n "$1" ip link set "$2" mtu "$3" ||
		echo "# $1: $2 refused mtu $3, has $(n "$1" cat "/sys/class/net/$2/mtu")"
}

n "$hub" ip link add dmvpn0 type dmvpn local 192.168.123.1 authfile "$TMPDIR/auth"
# One link-local, Cisco's, as on its tunnel: none generated from the NBMA.
n "$hub" sysctl -qw net.ipv6.conf.dmvpn0.addr_gen_mode=1
dmvpn_mtu "$hub" dmvpn0 17916
n "$hub" ip addr add 172.16.123.1/24 dev dmvpn0
n "$hub" ip addr add 2001:db8::1/64 dev dmvpn0 nodad
n "$hub" ip addr add fe80::f816:3eff:fee9:86d9/64 dev dmvpn0 nodad
n "$hub" ip link set dmvpn0 up
n "$hub" ip link add dmvpn1 type dmvpn local 169.254.100.5 key 2 \
	authfile "$TMPDIR/auth2"
dmvpn_mtu "$hub" dmvpn1 17912
n "$hub" ip addr add 155.1.0.5/24 dev dmvpn1
n "$hub" ip link set dmvpn1 up
n "$hub" ip link add dmvpn2 type dmvpn local 10.0.0.12 key 42 holdtime 30
n "$hub" sysctl -qw net.ipv6.conf.dmvpn2.disable_ipv6=1
n "$hub" ip addr add 172.16.0.12/24 dev dmvpn2
n "$hub" ip link set dmvpn2 up
# FRR's hub, which relays frame 29: trusted as an NHS (no registration).
n "$hub" "$DMVPNCTL" map add dmvpn2 172.16.0.1 10.0.0.1 nhs
n "$hub" ip link add lan0 type dummy
n "$hub" ip addr add 192.168.12.254/24 dev lan0
n "$hub" ip link set lan0 up

nhrp_counters()
{
	n "$1" "$DMVPNCTL" -j stats "${2:-dmvpn0}" |
		jq -c 'with_entries(select((.key | startswith("nhrp")) and .value != 0))'
}

ALL=$TMPDIR/all.pcap
nhrp_capture_start "$spoke" eth0 "$ALL" || { echo "# no capture"; exit $KSFT_FAIL; }

# step NAME N CMD...: CMD, then wait for its N NHRP packets in the
# capture; "after=K" for the comparisons (K: the NHRP packets before) is
# left in $TMPDIR/NAME.after.
step()
{
	local name=$1 want=$2 n0 t0
	shift 2
	n0=$(nhrp_capture_nhrp "$ALL")
	echo "after=$n0" > "$TMPDIR/$name.after"
	t0=$(date +%s%N)
	"$@" || return 1
	if ! nhrp_capture_wait_nhrp 60 "$ALL" $((n0 + want)); then
		echo "# $(( $(nhrp_capture_nhrp "$ALL") - n0 )) of $want NHRP packets within 60 s;" \
		     "hub: $(nhrp_counters "$hub" dmvpn0) $(nhrp_counters "$hub" dmvpn1)" \
		     "$(nhrp_counters "$hub" dmvpn2)"
		return 1
	fi
	echo "# $name: $want NHRP packets $(ms_since "$t0") ms after the start"
}
after() { cat "$TMPDIR/$1.after"; }	# NAME: "after=K" of that step

ktap_plan 13

replay_one() { n "$spoke" python3 "$TOOL" inject "$@"; }

# (a) the Cisco spoke's request, frame 1, and the hub's answer.
a_step()
{
	step a 2 replay_one "$CAP" 1 &&
	py compare "$CAP" 2 "$ALL" "type=4,$(after a)" reply
}
run_test "(a) hub's reply to the Cisco spoke's Registration Request is the Cisco hub's (frame 2), byte for byte" \
	a_step

hub_state()
{
	local type nbma acc auth
	type=$(entry "$hub" 172.16.123.2 type)
	nbma=$(entry "$hub" 172.16.123.2 nbma)
	acc=$(counter "$hub" nhrp-reg-accepted)
	auth=$(counter "$hub" nhrp-rx-auth)
	echo "# hub cache: 172.16.123.2 $type nbma $nbma; nhrp-reg-accepted $acc, nhrp-rx-auth $auth"
	[ "$type" = dynamic ] && [ "$nbma" = 192.168.123.2 ] &&
	[ "$acc" -eq 1 ] && [ "$auth" -eq 0 ]
}
run_test "(a) hub registered 172.16.123.2 at 192.168.123.2, counted once" hub_state

# A Purge Request for the binding (a) made, reply wanted.
purge_it()
{
	py purge "$TMPDIR/purge.gre" 192.168.123.2 172.16.123.2 172.16.123.1 7 DMVPN &&
	n "$spoke" python3 "$TOOL" inject-file "$TMPDIR/purge.gre" 0xc0 255 \
		192.168.123.2 192.168.123.1
}
purge()
{
	step p 2 purge_it || return 1
	py compare-reply "$ALL" "type=5,$(after p)" "type=6,$(after p)" purge \
		"$CAP" 2 || return 1
	echo "# hub: 172.16.123.2 now '$(entry "$hub" 172.16.123.2 type)'," \
	     "nhrp-purge-rx $(counter "$hub" nhrp-purge-rx)"
	[ -z "$(entry "$hub" 172.16.123.2 type)" ] &&
	[ "$(counter "$hub" nhrp-purge-rx)" -eq 1 ]
}
run_test "purge: the binding goes, the reply is the request with type 6, byte for byte" purge

# (b) A dmvpn spoke as the Cisco one was configured.
n "$spoke" ip link add dmvpn0 type dmvpn local 192.168.123.2 \
	authfile "$TMPDIR/auth" nhs 172.16.123.1 nbma 192.168.123.1
dmvpn_mtu "$spoke" dmvpn0 17916
n "$spoke" ip addr add 172.16.123.2/24 dev dmvpn0

spoke_nhs_up() { [ "$(nhs_field "$spoke" state)" = up ]; }
spoke_link_up() { n "$spoke" ip link set dmvpn0 up && wait_for 60 spoke_nhs_up; }

run_test "(b) dmvpn spoke registers with the hub" step b 2 spoke_link_up

run_test "(b) spoke's Registration Request is the Cisco spoke's (frame 1), byte for byte" \
	py compare "$CAP" 1 "$ALL" "type=3,$(after b)" request "$ALL:type=3,$(after b)"

run_test "(b) hub's reply to it is the Cisco hub's (frame 2) with its request id, byte for byte" \
	py compare "$CAP" 2 "$ALL" "type=4,$(after b)" reply2 "$ALL:type=3,$(after b)"

# The spoke withdraws: one Purge Request, no reply wanted (N).
unbound() { [ -z "$(entry "$hub" 172.16.123.2 type)" ]; }
withdraw() { n "$spoke" "$DMVPNCTL" nhs del dmvpn0 192.168.123.1 && wait_for 10 unbound; }
withdrawal()
{
	local p0
	p0=$(counter "$hub" nhrp-purge-rx)
	step w 1 withdraw || return 1
	echo "# hub: nhrp-purge-rx $p0 -> $(counter "$hub" nhrp-purge-rx)"
	[ "$(counter "$hub" nhrp-purge-rx)" -eq $((p0 + 1)) ] &&
	# The replays below answer to 192.168.123.2: no dmvpn there any more.
	n "$spoke" ip link del dmvpn0
}
run_test "(b) spoke withdraws: one Purge Request, the hub drops the binding" withdrawal

# replay_wait FILE FRAME N: replay a frame, wait for the N-th NHRP packet.
replay_wait()
{
	replay_one "$1" "$2" && nhrp_capture_wait_nhrp 30 "$ALL" "$3"
}
v6_replays()
{
	local n0
	n0=$(nhrp_capture_nhrp "$ALL")
	replay_wait "$CAP6" 1 $((n0 + 2)) && replay_wait "$CAP6" 3 $((n0 + 4)) &&
	replay_wait "$CAP6" 5 $((n0 + 6)) && replay_one "$CAP6" 7
}
# The Cisco hub's replies echo the spoke's link-local CIE and add a second
# CIE, its own link-local binding (fe80::f816:3eff:fee9:86d9 at
# 192.168.123.1, which dmvpn0 has here), which tells the spoke where the
# hub's link-local next hop is: ours must carry both, as Cisco's do.
ipv6()
{
	local ok=0 f
	step v6 8 v6_replays || return 1
	for f in 2:5 4:3 6:6 8:4; do
		py compare "$CAP6" "${f%:*}" "$ALL" "type=4,reqid=${f#*:},$(after v6)" \
			"reply to frame $((${f%:*} - 1))" || ok=1
	done
	echo "# hub: $(n "$hub" "$DMVPNCTL" -j cache dmvpn0 | jq -c '[.[] | select(.type == "dynamic") | [.proto, .nbma]]')"
	registered "$hub" fe80::f816:3eff:fe91:8a8a 192.168.123.2 &&
	registered "$hub" fe80::f816:3eff:fed2:b1aa 192.168.123.3 || ok=1
	return $ok
}
run_test "IPv6 over IPv4: the Cisco hub's replies (frames 2, 4, 6, 8), byte for byte" ipv6

# This IOS (and tcpdump-nhrp.pcapng's) registers with CIE preference 0
# and answers with preference 0 in its responder CIE; networklessons'
# registers and answers with 255: the answer must carry the request's.
key_replays()
{
	local n0
	n0=$(nhrp_capture_nhrp "$ALL")
	replay_wait "$CAPK" 1 $((n0 + 2)) && replay_one "$CAPK" 3
}
keyed()
{
	local ok=0
	step k 4 key_replays || return 1
	py compare "$CAPK" 2 "$ALL" "type=4,reqid=1,$(after k)" "reply to frame 1" || ok=1
	py compare "$CAPK" 4 "$ALL" "type=4,reqid=2,$(after k)" "reply to frame 3" || ok=1
	registered "$hub" 155.1.0.1 169.254.100.1 dmvpn1 || ok=1
	return $ok
}
run_test "GRE key 2, another IOS: the Cisco hub's replies (frames 2, 4), byte for byte" keyed

# Frame 29 (FRR hub 10.0.0.1 relaying spoke 10.0.0.11's request for
# 192.168.12.1) to dmvpn2, owner of 192.168.12.0/24: it answers the
# requester directly, as Cisco does. Where its layout is its own: the
# outer header (FRR answers via the hub, TOS 0, TTL 64, DF), hop count
# (we start at 255), flags (we set U, unique, and NAT as in the request;
# FRR neither), MTU (ours; FRR 0), the responder's prefix (the host's;
# FRR 0, which the RFC lets receivers ignore), the checksum over it all.
resolution()
{
	step r 2 replay_one "$CAPF" 29 || return 1
	py fields "$CAPF" 31 "$ALL" "type=2,$(after r)" resolution \
		'ip.src' 'hdr.afn' 'hdr.pro' 'hdr.snap' 'hdr.pktsz' 'hdr.extoff' \
		'hdr.version' 'hdr.type' 'hdr.shtl' 'hdr.sstl' '*.len' 'reqid' \
		'src.*' 'dst.*' 'cie0.code' 'cie0.prefix' 'cie0.htime' 'cie0.cli*' \
		'cie0.pref' 'cie0.nbma' 'cie0.proto' 'ext*.type' 'ext0.cie0.*' \
		'ext2.cie0.code' 'ext2.cie0.htime' 'ext2.cie0.cli*' 'ext2.cie0.pref' \
		'ext2.cie0.nbma' 'ext2.cie0.proto'
}
run_test "resolution: the owner's answer to FRR's relayed request is FRR's (frame 31)" resolution

# Every NHRP packet of the steps above, no other, all decoded cleanly.
all_clean()
{
	nhrp_capture_stop "$ALL"
	nhrp_capture_check "$ALL" "
		192.168.123.2,192.168.123.1,3:4 192.168.123.1,192.168.123.2,4:4
		192.168.123.2,192.168.123.1,5:2 192.168.123.1,192.168.123.2,6:1
		192.168.123.3,192.168.123.1,3:2 192.168.123.1,192.168.123.3,4:2
		169.254.100.1,169.254.100.5,3:2 169.254.100.5,169.254.100.1,4:2
		10.0.0.1,10.0.0.12,1:1 10.0.0.12,10.0.0.11,2:1" &&
	nhrp_capture_answered "$ALL" 1 3
}
run_test "the capture holds exactly the steps' NHRP packets, decoded cleanly (tshark)" all_clean

# background NAME: the result of the job above (it may take minutes).
background()
{
	wait_for 300 test -s "$TMPDIR/$1.rc" || { echo "# $1: no result"; return 2; }
	cat "$TMPDIR/$1.out"
	return "$(cat "$TMPDIR/$1.rc")"
}
both() { background cisco && background others; }
run_test "the reference captures pass nhrp_capture_check" both

fails()
{
	local rc
	background corrupt
	rc=$?
	[ $rc -eq 1 ] && grep -q '^# 1 NHRP packets, 1 malformed' "$TMPDIR/corrupt.out" &&
	grep -q 'Bad checksum' "$TMPDIR/corrupt.out"
}
run_test "nhrp_capture_check fails a Cisco packet with a bad checksum" fails

ktap_finish
