// SPDX-License-Identifier: GPL-2.0
/*
 * Write every NHRP packet found in the given captures to OUTDIR, one file
 * each (the fuzzer's seed corpus).
 *
 * Usage: nhrp_extract OUTDIR FILE...
 */
#include <stdio.h>
#include <string.h>

#include "pcap_read.h"

struct ctx {
	const char *dir;
	const char *base;
	int written;
};

static void save(void *arg, const struct pcap_nhrp *p)
{
	struct ctx *c = arg;
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-%u.nhrp", c->dir, c->base,
		 p->frame);
	f = fopen(path, "wb");
	if (!f)
		return;
	if (fwrite(p->data, 1, p->len, f) == p->len)
		c->written++;
	fclose(f);
}

int main(int argc, char **argv)
{
	struct ctx c = { 0 };
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OUTDIR FILE...\n", argv[0]);
		return 2;
	}
	c.dir = argv[1];
	for (i = 2; i < argc; i++) {
		const char *slash = strrchr(argv[i], '/');

		c.base = slash ? slash + 1 : argv[i];
		pcap_for_each_nhrp(argv[i], save, &c);
	}
	printf("%d NHRP packets written to %s\n", c.written, c.dir);
	return 0;
}
