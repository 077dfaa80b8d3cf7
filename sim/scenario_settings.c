// SPDX-License-Identifier: GPL-2.0
/*
 * The machine settings of the scenario language (docs/SCENARIO.md): every
 * key a `smmu` or `software` line takes, and the `cpus` and `page-size`
 * lines, as one table. The parser reads machine lines through it; `sva info`
 * and `sva stress` take the same settings as command-line words or options,
 * with the same names, values and messages.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sim/scenario.h"

#define FIELD(f)	offsetof(struct scn_machine, f), sizeof(((struct scn_machine *)0)->f)

static const char *const on_off_names[] = { "off", "on", NULL };
static const char *const httu_names[] = { "none", "ha", "hd", NULL };
static const char *const cd_table_names[] = { "linear", "2level", NULL };
static const char *const sva_asid_names[] = { "shared", "private", NULL };
static const char *const page_size_names[] = { "4K", "16K", "64K", NULL };
static const unsigned int page_shifts[] = { 12, 14, 16 };
static const unsigned int asid_bits_ok[] = { 8, 16, 0 };
static const unsigned int oas_ok[] = { 32, 36, 40, 42, 44, 48, 52, 0 };

const struct scn_setting scn_settings[] = {
	{ "ssid-bits", SCN_LINE_SMMU, SCN_SET_NUMBER, FIELD(ssid_bits), .lo = 0, .hi = 20,
	  .help = "SubstreamID bits (PASIDs)" },
	{ "asid-bits", SCN_LINE_SMMU, SCN_SET_NUMBER, FIELD(asid_bits), .lo = 8, .hi = 16,
	  .one_of = asid_bits_ok, .expect = "8 or 16", .help = "ASID bits" },
	{ "sid-bits", SCN_LINE_SMMU, SCN_SET_NUMBER, FIELD(sid_bits), .lo = 1, .hi = 32,
	  .help = "StreamID bits (< 7: linear stream table)" },
	{ "oas", SCN_LINE_SMMU, SCN_SET_NUMBER, FIELD(oas), .lo = 32, .hi = 52, .one_of = oas_ok,
	  .expect = "one of 32 36 40 42 44 48 52", .help = "output address bits" },
	{ "btm", SCN_LINE_SMMU, SCN_SET_CHOICE, FIELD(btm), .names = on_off_names,
	  .expect = "on or off", .help = "broadcast TLB maintenance" },
	{ "httu", SCN_LINE_SMMU, SCN_SET_CHOICE, FIELD(httu), .names = httu_names,
	  .expect = "none, ha or hd", .help = "hardware access flag/dirty updates" },
	{ "ats", SCN_LINE_SMMU, SCN_SET_CHOICE, FIELD(ats), .names = on_off_names,
	  .expect = "on or off", .help = "ATS (and with it PRI)" },
	{ "pri", SCN_LINE_SMMU, SCN_SET_CHOICE, FIELD(pri), .names = on_off_names,
	  .expect = "on or off", .help = "the PRI queue" },
	{ "stall", SCN_LINE_SMMU, SCN_SET_CHOICE, FIELD(stall), .names = on_off_names,
	  .expect = "on or off", .help = "the stall model" },
	{ "tlb", SCN_LINE_SMMU, SCN_SET_NUMBER, FIELD(tlb), .lo = 1, .hi = 1 << 20,
	  .help = "SMMU TLB entries" },
	/* Queue sizes: entries, a power of two up to 2^19 (IDR1.xQS). */
	{ "cmdq", SCN_LINE_SMMU, SCN_SET_NUMBER, FIELD(cmdq), .lo = 2, .hi = 1 << 19,
	  .pow2 = true, .help = "command queue entries" },
	{ "evtq", SCN_LINE_SMMU, SCN_SET_NUMBER, FIELD(evtq), .lo = 2, .hi = 1 << 19,
	  .pow2 = true, .help = "event queue entries" },
	{ "priq", SCN_LINE_SMMU, SCN_SET_NUMBER, FIELD(priq), .lo = 2, .hi = 1 << 19,
	  .pow2 = true, .help = "PRI queue entries" },
	{ "cd-table", SCN_LINE_SMMU, SCN_SET_CHOICE, FIELD(cd_table_2level),
	  .names = cd_table_names, .expect = "linear or 2level", .help = "CD table format" },
	{ "ril", SCN_LINE_SMMU, SCN_SET_CHOICE, FIELD(ril), .names = on_off_names,
	  .expect = "on or off", .help = "range invalidation (off: SMMUv3.1)" },
	{ "e2h", SCN_LINE_SMMU, SCN_SET_CHOICE, FIELD(e2h), .names = on_off_names,
	  .expect = "on or off", .help = "the host runs at EL2 (VHE)" },
	{ "cpus", SCN_LINE_CPUS, SCN_SET_NUMBER, FIELD(cpus), .lo = 1, .hi = 64,
	  .help = "CPUs" },
	{ "cpu-asid-bits", SCN_LINE_CPUS, SCN_SET_NUMBER, FIELD(cpu_asid_bits), .lo = 8, .hi = 16,
	  .one_of = asid_bits_ok, .expect = "8 or 16",
	  .help = "the CPUs' ASID bits (ID_AA64MMFR0_EL1.ASIDBits)" },
	{ "page-size", SCN_LINE_PAGE_SIZE, SCN_SET_CHOICE, FIELD(page_shift),
	  .names = page_size_names, .values = page_shifts, .expect = "4K, 16K or 64K",
	  .help = "CPU and SVA granule" },
	{ "sva-asid", SCN_LINE_SOFTWARE, SCN_SET_CHOICE, FIELD(sva_asid_private),
	  .names = sva_asid_names, .expect = "shared or private",
	  .help = "SVA ASID: the process's or its own" },
	{ "iopf-workers", SCN_LINE_SOFTWARE, SCN_SET_NUMBER, FIELD(iopf_workers), .lo = 1,
	  .hi = 64, .help = "I/O page-fault threads" },
};

const unsigned int scn_nr_settings = sizeof(scn_settings) / sizeof(scn_settings[0]);

const struct scn_setting *scn_setting_find(enum scn_setting_line line, const char *key)
{
	unsigned int i;

	for (i = 0; i < scn_nr_settings; i++)
		if (scn_settings[i].line == line && !strcmp(scn_settings[i].key, key))
			return &scn_settings[i];
	return NULL;
}

const struct scn_setting *scn_setting_lookup(const char *key)
{
	unsigned int i;

	for (i = 0; i < scn_nr_settings; i++)
		if (!strcmp(scn_settings[i].key, key))
			return &scn_settings[i];
	return NULL;
}

static void store(struct scn_machine *m, const struct scn_setting *s, unsigned int v)
{
	char *field = (char *)m + s->off;

	if (s->size == sizeof(bool)) {
		bool b = v;

		memcpy(field, &b, sizeof(b));
	} else {
		memcpy(field, &v, sizeof(v));
	}
}

static unsigned int load(const struct scn_machine *m, const struct scn_setting *s)
{
	const char *field = (const char *)m + s->off;
	unsigned int v = 0;
	bool b;

	if (s->size == sizeof(bool)) {
		memcpy(&b, field, sizeof(b));
		return b;
	}
	memcpy(&v, field, sizeof(v));
	return v;
}

static int set_choice(struct scn_machine *m, const struct scn_setting *s, const char *val,
		      char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; s->names[i]; i++) {
		if (!strcmp(s->names[i], val)) {
			store(m, s, s->values ? s->values[i] : i);
			return 0;
		}
	}
	snprintf(err, errlen, "%s: expected %s, got '%s'", s->key, s->expect, val);
	return -1;
}

static int set_number(struct scn_machine *m, const struct scn_setting *s, const char *val,
		      char *err, size_t errlen)
{
	uint64_t n;
	unsigned int i;

	if (scn_parse_number(val, true, &n)) {
		snprintf(err, errlen, "bad number '%s'", val);
		return -1;
	}
	if (n < s->lo || n > s->hi) {
		snprintf(err, errlen, "%s=%s out of range [%llu, %llu]", s->key, val,
			 (unsigned long long)s->lo, (unsigned long long)s->hi);
		return -1;
	}
	if (s->pow2 && (n & (n - 1))) {
		snprintf(err, errlen, "%s=%s is not a power of two", s->key, val);
		return -1;
	}
	if (s->one_of) {
		for (i = 0; s->one_of[i] && s->one_of[i] != n; i++)
			;
		if (!s->one_of[i]) {
			snprintf(err, errlen, "%s must be %s", s->key, s->expect);
			return -1;
		}
	}
	store(m, s, (unsigned int)n);
	return 0;
}

int scn_setting_set(struct scn_machine *m, const struct scn_setting *s, const char *val,
		    char *err, size_t errlen)
{
	if (s->kind == SCN_SET_CHOICE)
		return set_choice(m, s, val, err, errlen);
	return set_number(m, s, val, err, errlen);
}

void scn_setting_get(const struct scn_machine *m, const struct scn_setting *s, char *buf,
		     size_t len)
{
	unsigned int v = load(m, s), i;

	if (s->kind == SCN_SET_NUMBER) {
		snprintf(buf, len, "%u", v);
		return;
	}
	for (i = 0; s->names[i]; i++) {
		if ((s->values ? s->values[i] : i) == v) {
			snprintf(buf, len, "%s", s->names[i]);
			return;
		}
	}
	snprintf(buf, len, "%u", v);
}

void scn_setting_values(const struct scn_setting *s, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	if (s->kind == SCN_SET_NUMBER) {
		if (s->one_of) {
			for (i = 0; s->one_of[i] && off < len; i++)
				off += (size_t)snprintf(buf + off, len - off, "%s%u", i ? "|" : "",
							s->one_of[i]);
		} else {
			snprintf(buf, len, "%llu..%llu%s", (unsigned long long)s->lo,
				 (unsigned long long)s->hi, s->pow2 ? ", 2^n" : "");
		}
		return;
	}
	buf[0] = '\0';
	for (i = 0; s->names[i] && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "|" : "", s->names[i]);
}

int scn_machine_set_words(struct scn_machine *m, int argc, char **argv, char *err,
			  size_t errlen)
{
	const struct scn_setting *s;
	char key[32];
	const char *eq, *val;
	int i;

	for (i = 0; i < argc; i++) {
		eq = strchr(argv[i], '=');
		if (eq && (size_t)(eq - argv[i]) < sizeof(key)) {
			memcpy(key, argv[i], (size_t)(eq - argv[i]));
			key[eq - argv[i]] = '\0';
			val = eq + 1;
		} else if (!eq && i + 1 < argc && strlen(argv[i]) < sizeof(key)) {
			/* "cpus 2", "page-size 16K", as a scenario writes those lines. */
			snprintf(key, sizeof(key), "%s", argv[i]);
			val = argv[++i];
		} else {
			snprintf(err, errlen, "expected key=value, got '%s'", argv[i]);
			return -1;
		}
		s = scn_setting_lookup(key);
		if (!s) {
			snprintf(err, errlen, "unknown machine setting '%s'", key);
			return -1;
		}
		if (scn_setting_set(m, s, val, err, errlen))
			return -1;
	}
	return 0;
}
