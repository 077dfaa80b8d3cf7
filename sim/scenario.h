/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scenario language (docs/SCENARIO.md): parsing one line at a time into
 * a struct scn_cmd. The parser checks everything that can be checked without
 * running: words, numbers, argument counts, that names are defined before use
 * and that machine lines come before the first device or process. Running a
 * command is the interpreter's job (sim/run.c).
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCN_NAME_MAX	64
#define SCN_MAX_NAMES	256
#define SCN_ERR_MAX	256

enum scn_op {
	SCN_NOP,		/* blank line or comment */
	SCN_SMMU,
	SCN_CPUS,
	SCN_PAGE_SIZE,
	SCN_SOFTWARE,
	SCN_DEVICE,
	SCN_PROCESS,
	SCN_MMAP,
	SCN_MUNMAP,
	SCN_MPROTECT,
	SCN_CPU_FILL,
	SCN_CPU_CHECK,
	SCN_CLEAR_REFS,
	SCN_EXIT,
	SCN_BIND,
	SCN_UNBIND,
	SCN_DMA,
	SCN_EXPECT_PASID,	/* expect pasid H OP N */
	SCN_EXPECT_PASID_CMP,	/* expect pasid H ==|!= pasid H2 */
	SCN_EXPECT_CD,		/* expect cd H FIELD == VALUE */
	SCN_EXPECT_CD_ASID,	/* expect cd H asid == asid P */
	SCN_EXPECT_PTE,		/* expect pte P ADDR FIELD == 0|1 */
	SCN_EXPECT_COUNT,	/* expect count NAME OP N */
	SCN_RESET_COUNTERS,
};

enum scn_cmp { SCN_EQ, SCN_NE, SCN_LT, SCN_LE, SCN_GT, SCN_GE };

/* PROT values. */
#define SCN_PROT_R	(1u << 0)
#define SCN_PROT_W	(1u << 1)
#define SCN_PROT_X	(1u << 2)

enum scn_httu { SCN_HTTU_NONE, SCN_HTTU_HA, SCN_HTTU_HD };

/* The machine: `smmu`, `cpus`, `page-size`, `software` lines (defaults from scn_machine_defaults). */
struct scn_machine {
	unsigned int ssid_bits, asid_bits, sid_bits, oas;
	bool btm, ats, pri, stall, ril, e2h;
	enum scn_httu httu;
	unsigned int tlb, cmdq, evtq, priq;
	bool cd_table_2level;
	unsigned int cpus;
	unsigned int cpu_asid_bits;	/* the CPUs' ASIDs (ID_AA64MMFR0_EL1.ASIDBits) */
	unsigned int page_shift;
	bool sva_asid_private;
	unsigned int iopf_workers;
};

void scn_machine_defaults(struct scn_machine *m);

/*
 * The machine settings, one table (sim/scenario_settings.c) for the parser,
 * `sva info` and `sva stress`: every `smmu` and `software` key, and the
 * `cpus` and `page-size` lines, with the values each takes.
 */
enum scn_setting_line { SCN_LINE_SMMU, SCN_LINE_SOFTWARE, SCN_LINE_CPUS, SCN_LINE_PAGE_SIZE };
enum scn_setting_kind { SCN_SET_CHOICE, SCN_SET_NUMBER };

struct scn_setting {
	const char *key;		/* "btm"; "cpus" and "page-size" name their own lines */
	enum scn_setting_line line;
	enum scn_setting_kind kind;
	size_t off, size;		/* the field of struct scn_machine */
	const char *const *names;	/* CHOICE: the words, NULL-terminated ... */
	const unsigned int *values;	/* ... and the value of each (NULL: its index) */
	uint64_t lo, hi;		/* NUMBER: the range (sizes may end in K, M, G) */
	bool pow2;			/* NUMBER: a power of two */
	const unsigned int *one_of;	/* NUMBER: the only values allowed, 0-terminated */
	const char *expect;		/* what a bad value is told it should be */
	const char *help;		/* one line: what the setting is */
};

extern const struct scn_setting scn_settings[];
extern const unsigned int scn_nr_settings;

/* The setting @key of a machine line, or NULL. */
const struct scn_setting *scn_setting_find(enum scn_setting_line line, const char *key);
/* The setting named @key on whichever line it belongs to, or NULL. */
const struct scn_setting *scn_setting_lookup(const char *key);
/* Set @s in @m from its scenario word @val: 0, or -1 with a message in @err. */
int scn_setting_set(struct scn_machine *m, const struct scn_setting *s, const char *val,
		    char *err, size_t errlen);
/* @s's value in @m as a scenario writes it ("on", "hd", "64K", "256"). */
void scn_setting_get(const struct scn_machine *m, const struct scn_setting *s, char *buf,
		     size_t len);
/* The values @s takes, for help text: "off|on", "1..64". */
void scn_setting_values(const struct scn_setting *s, char *buf, size_t len);
/*
 * Apply words "key=value" (or "cpus N", "page-size SZ") of any machine
 * line, as `sva info` takes them: 0, or -1 with a message in @err.
 */
int scn_machine_set_words(struct scn_machine *m, int argc, char **argv, char *err,
			  size_t errlen);

struct scn_device {
	bool pci;			/* else platform */
	bool ats, pri, stall;
	unsigned int pasid_bits;	/* pci: pasid-bits; platform: ssid-bits */
	unsigned int atc, prq;
	bool sid_set;
	uint32_t sid;
};

/* The target of a `dma` command. */
enum scn_dma_target { SCN_DMA_HANDLE, SCN_DMA_PASID, SCN_DMA_NO_PASID };
enum scn_dma_kind { SCN_DMA_FILL, SCN_DMA_COPY, SCN_DMA_CHECK };
/*
 * SCN_OUT_ABORTED: a DMA still in flight when its PASID was unbound or its
 * process exited was stopped (machine_dma_complete() only: a scenario waits
 * for each DMA, so never there).
 */
enum scn_outcome {
	SCN_OUT_NONE, SCN_OUT_OK, SCN_OUT_FAULT, SCN_OUT_MISMATCH, SCN_OUT_REFUSED,
	SCN_OUT_ABORTED,
};

struct scn_cmd {
	enum scn_op op;
	unsigned int line;
	char name[SCN_NAME_MAX];	/* the process, device or handle the command is about */
	char name2[SCN_NAME_MAX];	/* second name: bind's process, compared handle/process */
	char name3[SCN_NAME_MAX];	/* bind's handle; expect's field or counter */
	uint64_t addr, addr2, size;
	unsigned int prot;
	bool populate;
	uint8_t byte;
	struct scn_device dev;
	enum scn_dma_target target;
	enum scn_dma_kind dma;
	uint32_t pasid;			/* DEV:PASID */
	enum scn_outcome expect;	/* after `->`; SCN_OUT_NONE if absent */
	uint64_t expect_addr;
	enum scn_cmp cmp;
	uint64_t value;
};

/* Name tables, so that a name is known before it is used. */
struct scn_names {
	unsigned int n;
	char name[SCN_MAX_NAMES][SCN_NAME_MAX];
};

struct scn_parser {
	struct scn_machine machine;
	bool machine_closed;		/* a device or process was declared */
	struct scn_names devices, processes, handles;
};

void scn_parser_init(struct scn_parser *p);

/*
 * Parse one line (without its newline). Returns 0 and fills @cmd (op NOP for
 * a blank line), or -1 with a message in @err (no "FILE:LINE: " prefix).
 * Machine lines update p->machine as well.
 */
int scn_parse_line(struct scn_parser *p, const char *line, unsigned int lineno,
		   struct scn_cmd *cmd, char *err, size_t errlen);
/*
 * The bind that defined handle @name was refused when it ran: the name is
 * undefined again (later uses are errors; another bind may define it).
 */
void scn_parser_bind_refused(struct scn_parser *p, const char *name);

/* Does @v satisfy "v OP ref"? */
bool scn_compare(uint64_t v, enum scn_cmp cmp, uint64_t ref);
const char *scn_cmp_str(enum scn_cmp cmp);

/* Parse a number: decimal or 0x hex; @size allows a K/M/G suffix. 0 or -1. */
int scn_parse_number(const char *s, bool size, uint64_t *out);

#endif /* SIM_SCENARIO_H */
