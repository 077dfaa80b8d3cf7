// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario language parser (see sim/scenario.h and docs/SCENARIO.md).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/scenario.h"

#define MAX_WORDS	24
#define WORD_MAX	128

struct words {
	unsigned int n;
	char w[MAX_WORDS][WORD_MAX];
};

struct ctx {
	struct scn_parser *p;
	struct scn_cmd *cmd;
	const struct words *ws;
	char *err;
	size_t errlen;
};

static int fail(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void scn_machine_defaults(struct scn_machine *m)
{
	*m = (struct scn_machine){
		.ssid_bits = 20, .asid_bits = 16, .sid_bits = 16, .oas = 48,
		.btm = true, .httu = SCN_HTTU_HD, .ats = true, .pri = true, .stall = true,
		.tlb = 2048, .cmdq = 256, .evtq = 256, .priq = 256,
		.cd_table_2level = true, .ril = true, .e2h = false,
		.cpus = 4, .cpu_asid_bits = 16, .page_shift = 12, .sva_asid_private = false, .iopf_workers = 2,
	};
}

void scn_parser_init(struct scn_parser *p)
{
	memset(p, 0, sizeof(*p));
	scn_machine_defaults(&p->machine);
}

static int split_words(struct ctx *c, const char *line, struct words *ws)
{
	const char *s = line;

	ws->n = 0;
	for (;;) {
		size_t len;

		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (!*s || *s == '#')
			return 0;
		len = strcspn(s, " \t\r#");
		if (ws->n == MAX_WORDS)
			return fail(c, "too many words");
		if (len >= WORD_MAX)
			return fail(c, "word too long: %.20s...", s);
		memcpy(ws->w[ws->n], s, len);
		ws->w[ws->n][len] = '\0';
		ws->n++;
		s += len;
	}
}

int scn_parse_number(const char *s, bool size, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	unsigned int base = 10, digits = 0;
	size_t len = strlen(s);

	if (size && len > 1) {
		switch (s[len - 1]) {
		case 'K': mult = 1ULL << 10; break;
		case 'M': mult = 1ULL << 20; break;
		case 'G': mult = 1ULL << 30; break;
		}
		if (mult != 1)
			len--;
	}
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	for (; len; len--, s++) {
		unsigned int d;

		if (isdigit((unsigned char)*s))
			d = (unsigned int)(*s - '0');
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = (unsigned int)(tolower((unsigned char)*s) - 'a' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
		digits++;
	}
	if (!digits || (mult > 1 && v > UINT64_MAX / mult))
		return -1;
	*out = v * mult;
	return 0;
}

static bool valid_name(const char *s)
{
	if (strlen(s) >= SCN_NAME_MAX)
		return false;
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (s++; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

/* Copy a name already checked by valid_name() or found in a table. */
static void copy_name(char *dst, const char *src)
{
	size_t len = strnlen(src, SCN_NAME_MAX - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

static int names_find(const struct scn_names *t, const char *name)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->name[i], name))
			return (int)i;
	return -1;
}

static int names_add(struct ctx *c, struct scn_names *t, const char *kind, const char *name)
{
	if (!valid_name(name))
		return fail(c, "bad %s name '%s'", kind, name);
	if (names_find(t, name) >= 0)
		return fail(c, "%s '%s' already exists", kind, name);
	if (t->n == SCN_MAX_NAMES)
		return fail(c, "too many %ss", kind);
	copy_name(t->name[t->n++], name);
	return 0;
}

static void names_del(struct scn_names *t, const char *name)
{
	int i = names_find(t, name);

	if (i < 0)
		return;
	t->n--;
	memmove(t->name[i], t->name[t->n], SCN_NAME_MAX);
}

void scn_parser_bind_refused(struct scn_parser *p, const char *name)
{
	names_del(&p->handles, name);
}

static int need(struct ctx *c, const char *kind, const struct scn_names *t, const char *name,
		char *out)
{
	if (names_find(t, name) < 0)
		return fail(c, "unknown %s '%s'", kind, name);
	copy_name(out, name);
	return 0;
}

static int nargs(struct ctx *c, unsigned int min, unsigned int max)
{
	if (c->ws->n < min || c->ws->n > max)
		return fail(c, "'%s' takes %u%s argument%s, got %u", c->ws->w[0], min - 1,
			    max > min ? " or more" : "", min == 2 ? "" : "s", c->ws->n - 1);
	return 0;
}

static int number(struct ctx *c, const char *s, bool size, uint64_t *out)
{
	if (scn_parse_number(s, size, out))
		return fail(c, "bad number '%s'", s);
	return 0;
}

static int byte_arg(struct ctx *c, const char *s, uint8_t *out)
{
	uint64_t v;

	if (number(c, s, false, &v))
		return -1;
	if (v > 0xff)
		return fail(c, "byte out of range: '%s'", s);
	*out = (uint8_t)v;
	return 0;
}

static int prot_arg(struct ctx *c, const char *s, unsigned int *prot)
{
	static const struct { const char *s; unsigned int p; } prots[] = {
		{ "none", 0 }, { "r", SCN_PROT_R }, { "rw", SCN_PROT_R | SCN_PROT_W },
		{ "rx", SCN_PROT_R | SCN_PROT_X },
		{ "rwx", SCN_PROT_R | SCN_PROT_W | SCN_PROT_X },
	};
	unsigned int i;

	for (i = 0; i < sizeof(prots) / sizeof(prots[0]); i++) {
		if (!strcmp(s, prots[i].s)) {
			*prot = prots[i].p;
			return 0;
		}
	}
	return fail(c, "bad protection '%s' (none r rw rx rwx)", s);
}

static int cmp_arg(struct ctx *c, const char *s, enum scn_cmp *cmp)
{
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };
	unsigned int i;

	for (i = 0; i < 6; i++) {
		if (!strcmp(s, ops[i])) {
			*cmp = (enum scn_cmp)i;
			return 0;
		}
	}
	return fail(c, "bad comparison '%s'", s);
}

const char *scn_cmp_str(enum scn_cmp cmp)
{
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };

	return ops[cmp];
}

bool scn_compare(uint64_t v, enum scn_cmp cmp, uint64_t ref)
{
	switch (cmp) {
	case SCN_EQ: return v == ref;
	case SCN_NE: return v != ref;
	case SCN_LT: return v < ref;
	case SCN_LE: return v <= ref;
	case SCN_GT: return v > ref;
	case SCN_GE: return v >= ref;
	}
	return false;
}

/* "key=value" → key and value, or -1 if there is no '='. */
static int key_value(const char *w, char *key, size_t keylen, const char **val)
{
	const char *eq = strchr(w, '=');

	if (!eq || (size_t)(eq - w) >= keylen)
		return -1;
	memcpy(key, w, (size_t)(eq - w));
	key[eq - w] = '\0';
	*val = eq + 1;
	return 0;
}

static int bounded(struct ctx *c, const char *key, const char *v, uint64_t lo, uint64_t hi,
		   unsigned int *out)
{
	uint64_t n;

	if (number(c, v, true, &n))
		return -1;
	if (n < lo || n > hi)
		return fail(c, "%s=%s out of range [%llu, %llu]", key, v,
			    (unsigned long long)lo, (unsigned long long)hi);
	*out = (unsigned int)n;
	return 0;
}

static int machine_open(struct ctx *c)
{
	if (c->p->machine_closed)
		return fail(c, "'%s' must come before the first device or process", c->ws->w[0]);
	return 0;
}

/* One setting of a machine line, through the settings table (scenario_settings.c). */
static int machine_setting(struct ctx *c, enum scn_setting_line line, const char *key,
			   const char *v)
{
	const struct scn_setting *s = scn_setting_find(line, key);

	if (!s)
		return fail(c, "unknown %s setting '%s'", c->ws->w[0], key);
	return scn_setting_set(&c->p->machine, s, v, c->err, c->errlen);
}

static int parse_machine(struct ctx *c)
{
	const struct words *ws = c->ws;
	enum scn_setting_line line;
	char key[32];
	const char *v;
	unsigned int i;

	if (machine_open(c))
		return -1;
	/* "cpus N [key=value...]", "page-size SZ": the line's own value first. */
	if (!strcmp(ws->w[0], "cpus") || !strcmp(ws->w[0], "page-size")) {
		line = ws->w[0][0] == 'c' ? SCN_LINE_CPUS : SCN_LINE_PAGE_SIZE;
		c->cmd->op = line == SCN_LINE_CPUS ? SCN_CPUS : SCN_PAGE_SIZE;
		/* cpus: its count, then settings as key=value. */
		if (nargs(c, 2, line == SCN_LINE_CPUS && ws->n > 2 ? MAX_WORDS : 2) ||
		    machine_setting(c, line, ws->w[0], ws->w[1]))
			return -1;
		i = 2;
	} else {
		line = !strcmp(ws->w[0], "smmu") ? SCN_LINE_SMMU : SCN_LINE_SOFTWARE;
		c->cmd->op = line == SCN_LINE_SMMU ? SCN_SMMU : SCN_SOFTWARE;
		i = 1;
	}
	for (; i < ws->n; i++) {
		if (key_value(ws->w[i], key, sizeof(key), &v))
			return fail(c, "expected key=value, got '%s'", ws->w[i]);
		if (!strcmp(key, ws->w[0]))
			return fail(c, "'%s' takes its own value first, not as %s", key, ws->w[i]);
		if (machine_setting(c, line, key, v))
			return -1;
	}
	return 0;
}

static int parse_device(struct ctx *c)
{
	const struct words *ws = c->ws;
	struct scn_device *d = &c->cmd->dev;
	char key[32];
	const char *v;
	unsigned int i, sid = 0;

	if (nargs(c, 3, MAX_WORDS))
		return -1;
	c->cmd->op = SCN_DEVICE;
	if (!strcmp(ws->w[2], "pci")) {
		d->pci = true;
		d->pasid_bits = 20;
		d->atc = 64;
		d->prq = 32;
	} else if (!strcmp(ws->w[2], "platform")) {
		d->pasid_bits = 20;
	} else {
		return fail(c, "device type must be pci or platform, got '%s'", ws->w[2]);
	}
	for (i = 3; i < ws->n; i++) {
		const char *w = ws->w[i];

		if (d->pci && !strcmp(w, "ats")) {
			d->ats = true;
		} else if (d->pci && !strcmp(w, "pri")) {
			d->pri = true;
		} else if (!d->pci && !strcmp(w, "stall")) {
			d->stall = true;
		} else if (!key_value(w, key, sizeof(key), &v)) {
			if (!strcmp(key, "sid")) {
				if (bounded(c, key, v, 0, UINT32_MAX, &sid))
					return -1;
				d->sid = sid;
				d->sid_set = true;
			} else if (!strcmp(key, d->pci ? "pasid-bits" : "ssid-bits")) {
				if (bounded(c, key, v, 0, 20, &d->pasid_bits))
					return -1;
			} else if (d->pci && !strcmp(key, "atc")) {
				if (bounded(c, key, v, 1, 1 << 16, &d->atc))
					return -1;
			} else if (d->pci && !strcmp(key, "prq")) {
				if (bounded(c, key, v, 1, 1 << 16, &d->prq))
					return -1;
			} else {
				return fail(c, "unknown %s device option '%s'", ws->w[2], key);
			}
		} else {
			return fail(c, "unknown %s device option '%s'", ws->w[2], w);
		}
	}
	c->p->machine_closed = true;
	copy_name(c->cmd->name, ws->w[1]);
	return names_add(c, &c->p->devices, "device", ws->w[1]);
}

static int parse_process_cmd(struct ctx *c)
{
	const struct words *ws = c->ws;
	struct scn_cmd *cmd = c->cmd;
	const char *w0 = ws->w[0];

	if (!strcmp(w0, "process")) {
		cmd->op = SCN_PROCESS;
		if (nargs(c, 2, 2))
			return -1;
		c->p->machine_closed = true;
		copy_name(cmd->name, ws->w[1]);
		return names_add(c, &c->p->processes, "process", ws->w[1]);
	}
	if (!strcmp(w0, "exit")) {
		cmd->op = SCN_EXIT;
		return nargs(c, 2, 2) ?: need(c, "process", &c->p->processes, ws->w[1], cmd->name);
	}
	if (!strcmp(w0, "mmap")) {
		cmd->op = SCN_MMAP;
		if (nargs(c, 5, 6) || need(c, "process", &c->p->processes, ws->w[1], cmd->name) ||
		    number(c, ws->w[2], false, &cmd->addr) || number(c, ws->w[3], true, &cmd->size) ||
		    prot_arg(c, ws->w[4], &cmd->prot))
			return -1;
		if (ws->n == 6) {
			if (strcmp(ws->w[5], "populate"))
				return fail(c, "expected 'populate', got '%s'", ws->w[5]);
			cmd->populate = true;
		}
		return 0;
	}
	if (!strcmp(w0, "munmap") || !strcmp(w0, "clear-refs")) {
		cmd->op = w0[0] == 'm' ? SCN_MUNMAP : SCN_CLEAR_REFS;
		return nargs(c, 4, 4) ?: need(c, "process", &c->p->processes, ws->w[1], cmd->name) ?:
		       number(c, ws->w[2], false, &cmd->addr) ?: number(c, ws->w[3], true, &cmd->size);
	}
	if (!strcmp(w0, "mprotect")) {
		cmd->op = SCN_MPROTECT;
		return nargs(c, 5, 5) ?: need(c, "process", &c->p->processes, ws->w[1], cmd->name) ?:
		       number(c, ws->w[2], false, &cmd->addr) ?: number(c, ws->w[3], true, &cmd->size) ?:
		       prot_arg(c, ws->w[4], &cmd->prot);
	}
	/* cpu-fill / cpu-check P ADDR LEN BYTE */
	cmd->op = !strcmp(w0, "cpu-fill") ? SCN_CPU_FILL : SCN_CPU_CHECK;
	return nargs(c, 5, 5) ?: need(c, "process", &c->p->processes, ws->w[1], cmd->name) ?:
	       number(c, ws->w[2], false, &cmd->addr) ?: number(c, ws->w[3], true, &cmd->size) ?:
	       byte_arg(c, ws->w[4], &cmd->byte);
}

static int parse_bind(struct ctx *c)
{
	const struct words *ws = c->ws;
	struct scn_cmd *cmd = c->cmd;

	if (!strcmp(ws->w[0], "unbind")) {
		cmd->op = SCN_UNBIND;
		if (nargs(c, 2, 2) || need(c, "handle", &c->p->handles, ws->w[1], cmd->name))
			return -1;
		names_del(&c->p->handles, ws->w[1]);
		return 0;
	}
	cmd->op = SCN_BIND;
	if (ws->n != 5 && ws->n != 7)
		return fail(c, "usage: bind DEV P as H [-> ok|refused]");
	if (strcmp(ws->w[3], "as"))
		return fail(c, "expected 'as', got '%s'", ws->w[3]);
	if (need(c, "device", &c->p->devices, ws->w[1], cmd->name) ||
	    need(c, "process", &c->p->processes, ws->w[2], cmd->name2))
		return -1;
	if (ws->n == 7) {
		if (strcmp(ws->w[5], "->"))
			return fail(c, "expected '->', got '%s'", ws->w[5]);
		if (!strcmp(ws->w[6], "ok"))
			cmd->expect = SCN_OUT_OK;
		else if (!strcmp(ws->w[6], "refused"))
			cmd->expect = SCN_OUT_REFUSED;
		else
			return fail(c, "bind outcome must be ok or refused, got '%s'", ws->w[6]);
	}
	copy_name(cmd->name3, ws->w[4]);
	return names_add(c, &c->p->handles, "handle", ws->w[4]);
}

/* H | DEV:PASID | DEV:- */
static int dma_target(struct ctx *c, const char *w)
{
	struct scn_cmd *cmd = c->cmd;
	const char *colon = strchr(w, ':');
	char dev[SCN_NAME_MAX];
	uint64_t pasid;

	if (!colon) {
		cmd->target = SCN_DMA_HANDLE;
		return need(c, "handle", &c->p->handles, w, cmd->name);
	}
	if ((size_t)(colon - w) >= SCN_NAME_MAX)
		return fail(c, "bad DMA target '%s'", w);
	memcpy(dev, w, (size_t)(colon - w));
	dev[colon - w] = '\0';
	if (need(c, "device", &c->p->devices, dev, cmd->name))
		return -1;
	if (!strcmp(colon + 1, "-")) {
		cmd->target = SCN_DMA_NO_PASID;
		return 0;
	}
	if (number(c, colon + 1, false, &pasid))
		return -1;
	if (pasid >= (1u << 20))
		return fail(c, "PASID %s does not fit in 20 bits", colon + 1);
	cmd->target = SCN_DMA_PASID;
	cmd->pasid = (uint32_t)pasid;
	return 0;
}

static int dma_outcome(struct ctx *c, unsigned int at)
{
	const struct words *ws = c->ws;
	struct scn_cmd *cmd = c->cmd;
	const char *o;

	if (ws->n == at)
		return 0;
	if (strcmp(ws->w[at], "->") || ws->n < at + 2)
		return fail(c, "expected '-> OUTCOME' after the DMA arguments");
	o = ws->w[at + 1];
	if (!strcmp(o, "ok")) {
		cmd->expect = SCN_OUT_OK;
		return ws->n == at + 2 ? 0 : fail(c, "unexpected words after 'ok'");
	}
	if (!strcmp(o, "fault"))
		cmd->expect = SCN_OUT_FAULT;
	else if (!strcmp(o, "mismatch"))
		cmd->expect = SCN_OUT_MISMATCH;
	else
		return fail(c, "DMA outcome must be ok, fault ADDR or mismatch ADDR, got '%s'", o);
	if (cmd->expect == SCN_OUT_MISMATCH && cmd->dma != SCN_DMA_CHECK)
		return fail(c, "only 'dma check' can expect a mismatch");
	if (ws->n != at + 3)
		return fail(c, "'%s' takes an address", o);
	return number(c, ws->w[at + 2], false, &cmd->expect_addr);
}

static int parse_dma(struct ctx *c)
{
	const struct words *ws = c->ws;
	struct scn_cmd *cmd = c->cmd;

	cmd->op = SCN_DMA;
	if (ws->n < 3)
		return fail(c, "usage: dma H fill|copy|check ...");
	if (dma_target(c, ws->w[1]))
		return -1;
	if (!strcmp(ws->w[2], "copy")) {
		cmd->dma = SCN_DMA_COPY;
		if (ws->n < 6)
			return fail(c, "usage: dma H copy SRC DST LEN [-> OUTCOME]");
		return number(c, ws->w[3], false, &cmd->addr) ?: number(c, ws->w[4], false, &cmd->addr2) ?:
		       number(c, ws->w[5], true, &cmd->size) ?: dma_outcome(c, 6);
	}
	if (!strcmp(ws->w[2], "fill"))
		cmd->dma = SCN_DMA_FILL;
	else if (!strcmp(ws->w[2], "check"))
		cmd->dma = SCN_DMA_CHECK;
	else
		return fail(c, "DMA operation must be fill, copy or check, got '%s'", ws->w[2]);
	if (ws->n < 6)
		return fail(c, "usage: dma H %s ADDR LEN BYTE [-> OUTCOME]", ws->w[2]);
	return number(c, ws->w[3], false, &cmd->addr) ?: number(c, ws->w[4], true, &cmd->size) ?:
	       byte_arg(c, ws->w[5], &cmd->byte) ?: dma_outcome(c, 6);
}

static bool word_in(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(w, *list))
			return true;
	return false;
}

static int parse_expect(struct ctx *c)
{
	static const char *const cd_fields[] = {
		"v", "t0sz", "tg0", "irgn0", "orgn0", "sh0", "epd0", "epd1", "ips", "affd", "ha",
		"hd", "s", "r", "a", "aset", "asid", "aa64", "ttb0", NULL,
	};
	static const char *const pte_fields[] = { "valid", "af", "dirty", "write", NULL };
	const struct words *ws = c->ws;
	struct scn_cmd *cmd = c->cmd;
	const char *what = ws->n > 1 ? ws->w[1] : "";

	if (!strcmp(what, "count")) {
		cmd->op = SCN_EXPECT_COUNT;
		if (nargs(c, 5, 5) || cmp_arg(c, ws->w[3], &cmd->cmp))
			return -1;
		if (!valid_name(ws->w[2]))
			return fail(c, "bad counter name '%s'", ws->w[2]);
		copy_name(cmd->name3, ws->w[2]);
		return number(c, ws->w[4], true, &cmd->value);
	}
	if (!strcmp(what, "pasid")) {
		if (nargs(c, 5, 6) || need(c, "handle", &c->p->handles, ws->w[2], cmd->name) ||
		    cmp_arg(c, ws->w[3], &cmd->cmp))
			return -1;
		if (ws->n == 6) {
			cmd->op = SCN_EXPECT_PASID_CMP;
			if (strcmp(ws->w[4], "pasid"))
				return fail(c, "expected 'pasid H2', got '%s'", ws->w[4]);
			if (cmd->cmp != SCN_EQ && cmd->cmp != SCN_NE)
				return fail(c, "handles compare with == or != only");
			return need(c, "handle", &c->p->handles, ws->w[5], cmd->name2);
		}
		cmd->op = SCN_EXPECT_PASID;
		return number(c, ws->w[4], false, &cmd->value);
	}
	if (!strcmp(what, "cd")) {
		/* expect cd H FIELD == VALUE | expect cd H asid == asid P */
		if (nargs(c, 6, 7) || need(c, "handle", &c->p->handles, ws->w[2], cmd->name))
			return -1;
		if (!word_in(ws->w[3], cd_fields))
			return fail(c, "unknown CD field '%s'", ws->w[3]);
		copy_name(cmd->name3, ws->w[3]);
		if (strcmp(ws->w[4], "=="))
			return fail(c, "CD fields compare with == only");
		cmd->cmp = SCN_EQ;
		if (ws->n == 7) {
			if (strcmp(ws->w[3], "asid") || strcmp(ws->w[5], "asid"))
				return fail(c, "usage: expect cd H asid == asid P");
			cmd->op = SCN_EXPECT_CD_ASID;
			return need(c, "process", &c->p->processes, ws->w[6], cmd->name2);
		}
		cmd->op = SCN_EXPECT_CD;
		return number(c, ws->w[5], false, &cmd->value);
	}
	if (!strcmp(what, "pte")) {
		uint64_t v;

		cmd->op = SCN_EXPECT_PTE;
		if (nargs(c, 7, 7) || need(c, "process", &c->p->processes, ws->w[2], cmd->name) ||
		    number(c, ws->w[3], false, &cmd->addr))
			return -1;
		if (!word_in(ws->w[4], pte_fields))
			return fail(c, "unknown PTE field '%s' (valid af dirty write)", ws->w[4]);
		copy_name(cmd->name3, ws->w[4]);
		if (strcmp(ws->w[5], "=="))
			return fail(c, "PTE fields compare with == only");
		if (number(c, ws->w[6], false, &v) || v > 1)
			return fail(c, "PTE field value must be 0 or 1");
		cmd->cmp = SCN_EQ;
		cmd->value = v;
		return 0;
	}
	return fail(c, "expect what? (pasid, cd, pte, count), got '%s'", what);
}

int scn_parse_line(struct scn_parser *p, const char *line, unsigned int lineno,
		   struct scn_cmd *cmd, char *err, size_t errlen)
{
	static const char *const machine_words[] = { "smmu", "cpus", "page-size", "software", NULL };
	static const char *const process_words[] = {
		"process", "exit", "mmap", "munmap", "mprotect", "cpu-fill", "cpu-check",
		"clear-refs", NULL,
	};
	struct words ws;
	struct ctx c = { .p = p, .cmd = cmd, .ws = &ws, .err = err, .errlen = errlen };
	const char *w0;

	memset(cmd, 0, sizeof(*cmd));
	cmd->line = lineno;
	if (split_words(&c, line, &ws))
		return -1;
	if (!ws.n)
		return 0;
	w0 = ws.w[0];
	if (word_in(w0, machine_words))
		return parse_machine(&c);
	if (!strcmp(w0, "device"))
		return parse_device(&c);
	if (word_in(w0, process_words))
		return parse_process_cmd(&c);
	if (!strcmp(w0, "bind") || !strcmp(w0, "unbind"))
		return parse_bind(&c);
	if (!strcmp(w0, "dma"))
		return parse_dma(&c);
	if (!strcmp(w0, "expect"))
		return parse_expect(&c);
	if (!strcmp(w0, "reset")) {
		cmd->op = SCN_RESET_COUNTERS;
		if (ws.n != 2 || strcmp(ws.w[1], "counters"))
			return fail(&c, "usage: reset counters");
		return 0;
	}
	return fail(&c, "unknown command '%s'", w0);
}
