// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the scenario parser (sim/scenario.h) on arbitrary lines.
 *
 * One input is a script: lines separated by '\n', parsed in order by one
 * parser (so machine lines, names and their uses interact). The first byte
 * picks how the rest is read:
 *
 *   bit 0 == 0   raw text
 *   bit 0 == 1   tokens: a byte below the table size is a keyword of the
 *                language followed by a space, anything else a character
 *                (random bytes alone would rarely spell "expect pasid")
 *   bit 1        a short error buffer (16 bytes) instead of SCN_ERR_MAX
 *
 * Checked: no crash or sanitizer report; scn_parse_line returns 0 or -1;
 * an error always carries a non-empty, terminated message that fits its
 * buffer (bytes past the buffer are never touched); an accepted line has a
 * known op and terminated names; the name tables stay within bounds.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario.h"

#define FUZZ_LINE_MAX	4096
#define FUZZ_SHORT_ERR	16
#define FUZZ_ERR_GUARD	0x5a

static const char *const fuzz_tokens[] = {
	"smmu", "cpus", "page-size", "software", "device", "process", "mmap", "munmap",
	"mprotect", "cpu-fill", "cpu-check", "clear-refs", "exit", "bind", "unbind", "dma",
	"expect", "reset", "counters", "pasid", "cd", "pte", "count", "handle", "fill",
	"copy", "check", "->", "ok", "fault", "mismatch", "refused", "pci", "platform",
	"ats", "pri", "stall", "atc", "prq", "sid", "pasid-bits", "ssid-bits", "asid-bits",
	"sid-bits", "oas", "btm", "httu", "ril", "e2h", "tlb", "cmdq", "evtq", "priq",
	"cd-table", "linear", "2level", "sva-asid", "private", "shared", "iopf-workers",
	"populate", "on", "off", "none", "ha", "hd", "r", "rw", "rx", "rwx", "==", "!=",
	"<", "<=", ">", ">=", "asid", "valid", "v", "af", "dirty", "write", "as", "aa64",
	"affd", "aset", "epd0", "epd1", "ips", "irgn0", "orgn0", "sh0", "t0sz", "tg0",
	"ttb0", "a", "s", "4K", "16K", "64K", "0x1000", "4096", "0x400000", "2M", "1G",
	"0xffffffffffffffff", "18446744073709551616", "p", "d", "h", ":", "=", "#",
	"ssid-bits=", "sid=", "pasid-bits=", "tlb=", "cmdq=",
};

#define FUZZ_NR_TOKENS	(sizeof(fuzz_tokens) / sizeof(fuzz_tokens[0]))

/* A parsed name must be a terminated string inside its field. */
static void fuzz_check_name(const char *name)
{
	if (!memchr(name, '\0', SCN_NAME_MAX)) {
		fprintf(stderr, "fuzz_scenario: unterminated name field\n");
		abort();
	}
}

static void fuzz_check_ok(const struct scn_parser *p, const struct scn_cmd *cmd)
{
	if ((unsigned int)cmd->op > SCN_RESET_COUNTERS) {
		fprintf(stderr, "fuzz_scenario: unknown op %u accepted\n", (unsigned int)cmd->op);
		abort();
	}
	fuzz_check_name(cmd->name);
	fuzz_check_name(cmd->name2);
	fuzz_check_name(cmd->name3);
	if (p->devices.n > SCN_MAX_NAMES || p->processes.n > SCN_MAX_NAMES ||
	    p->handles.n > SCN_MAX_NAMES) {
		fprintf(stderr, "fuzz_scenario: name table overflow\n");
		abort();
	}
}

/* The message of a refused line: non-empty, terminated, inside the buffer. */
static void fuzz_check_err(const char *line, const char *err, size_t errlen)
{
	size_t i;

	if (!memchr(err, '\0', errlen)) {
		fprintf(stderr, "fuzz_scenario: unterminated error for '%s'\n", line);
		abort();
	}
	if (!err[0]) {
		fprintf(stderr, "fuzz_scenario: refused without a message: '%s'\n", line);
		abort();
	}
	for (i = errlen; i < errlen + 8; i++) {
		if ((unsigned char)err[i] != FUZZ_ERR_GUARD) {
			fprintf(stderr, "fuzz_scenario: error written past its buffer\n");
			abort();
		}
	}
}

static void fuzz_parse_one(struct scn_parser *p, const char *text, size_t len,
			   unsigned int lineno, size_t errlen)
{
	/* Exactly sized copies, so that any overread is an ASan report. */
	char *line = malloc(len + 1);
	char *err = malloc(errlen + 8);
	struct scn_cmd cmd;
	int ret;

	if (!line || !err)
		abort();
	memcpy(line, text, len);
	line[len] = '\0';
	memset(err, FUZZ_ERR_GUARD, errlen + 8);
	err[0] = '\0';
	memset(&cmd, 0, sizeof(cmd));
	ret = scn_parse_line(p, line, lineno, &cmd, err, errlen);
	if (ret == 0)
		fuzz_check_ok(p, &cmd);
	else if (ret == -1)
		fuzz_check_err(line, err, errlen);
	else {
		fprintf(stderr, "fuzz_scenario: scn_parse_line returned %d\n", ret);
		abort();
	}
	free(err);
	free(line);
}

/* Expand token bytes into text; returns the length written into @out. */
static size_t fuzz_detokenize(const uint8_t *data, size_t size, char *out, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < size; i++) {
		const char *tok;
		size_t len;

		if (data[i] >= FUZZ_NR_TOKENS) {
			if (n + 1 >= cap)
				break;
			out[n++] = (char)data[i];
			continue;
		}
		tok = fuzz_tokens[data[i]];
		len = strlen(tok);
		if (n + len + 1 >= cap)
			break;
		memcpy(out + n, tok, len);
		n += len;
		out[n++] = ' ';
	}
	return n;
}

static int fuzz_scenario_one(const uint8_t *data, size_t size)
{
	static char text[1 << 16];
	struct scn_parser *p;
	size_t len, start, i, errlen;
	unsigned int lineno = 1;
	uint8_t mode;

	if (!size)
		return 0;
	mode = data[0];
	data++;
	size--;
	if (mode & 1) {
		len = fuzz_detokenize(data, size, text, sizeof(text));
	} else {
		len = size < sizeof(text) ? size : sizeof(text);
		memcpy(text, data, len);
	}
	errlen = (mode & 2) ? FUZZ_SHORT_ERR : SCN_ERR_MAX;

	p = malloc(sizeof(*p));
	if (!p)
		abort();
	scn_parser_init(p);
	for (start = 0, i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		if (i - start < FUZZ_LINE_MAX)
			fuzz_parse_one(p, text + start, i - start, lineno, errlen);
		lineno++;
		start = i + 1;
	}
	free(p);
	return 0;
}

#ifndef FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_scenario_one(data, size);
}
#endif
