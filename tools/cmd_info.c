// SPDX-License-Identifier: GPL-2.0
/*
 * sva info: build the configured machine and describe it — the SMMU's ID
 * registers raw and field by field (names as in the SMMUv3 spec, §6.3), what
 * the arm-smmu-v3 driver made of them at probe, and the machine's limits.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arch/smmuv3.h"
#include "os/arm-smmu-v3/arm-smmu-v3.h"
#include "sim/machine.h"
#include "sim/scenario.h"
#include "tools/sva.h"

static const char info_usage[] =
	"usage: sva info [WORD...]\n"
	"\n"
	"Build a machine and print the SMMU ID registers (raw and decoded), the\n"
	"features the arm-smmu-v3 driver enabled, and the machine's limits.\n"
	"WORDs are the scenario's machine settings (docs/SCENARIO.md): smmu words\n"
	"(btm=off ssid-bits=8 httu=ha ...), software words (sva-asid=private\n"
	"iopf-workers=N), cpus=N (or cpus N) and page-size=4K|16K|64K (or page-size SZ).\n"
	"Exit status: 0, or 2 for a bad word or a machine that cannot be built.\n"
	"\n"
	"  -h, --help      this text\n"
	"  -V, --version   the version\n";

/* One ID register field, and names for its values where the spec gives them. */
struct idr_field {
	const char *name;
	uint32_t mask;
	const char *const *values;	/* NULL: a number or a flag */
	unsigned int nr_values;
	bool hex;			/* an identification code, printed in hex */
};

struct idr_reg {
	const char *name;
	uint32_t off;
	const struct idr_field *fields;
	unsigned int nr_fields;
};

#define FLAG(n, m)	{ .name = (n), .mask = (m) }
#define CODE(n, m)	{ .name = (n), .mask = (m), .hex = true }
#define ENUM(n, m, v)	{ .name = (n), .mask = (m), .values = (v), \
			  .nr_values = (unsigned int)(sizeof(v) / sizeof((v)[0])) }
#define REG(n, o, f)	{ .name = (n), .off = (o), .fields = (f), \
			  .nr_fields = (unsigned int)(sizeof(f) / sizeof((f)[0])) }

static const char *const ttf_values[] = { "reserved", "AArch32", "AArch64", "AArch32+AArch64" };
static const char *const httu_values[] = { "none", "access flag", "access flag+dirty", "reserved" };
static const char *const ttendian_values[] = { "mixed", "reserved", "little", "big" };
static const char *const stall_model_values[] = {
	"stall and terminate", "terminate only", "stall forced", "reserved",
};
static const char *const st_level_values[] = { "linear", "2-level", "reserved", "reserved" };
static const char *const oas_values[] = {
	"32 bits", "36 bits", "40 bits", "42 bits", "44 bits", "48 bits", "52 bits", "56 bits",
};
static const char *const vax_values[] = { "48 bits", "52 bits", "reserved", "reserved" };

/* §6.3.1 */
static const struct idr_field idr0_fields[] = {
	FLAG("S2P", SMMU_IDR0_S2P), FLAG("S1P", SMMU_IDR0_S1P),
	ENUM("TTF", SMMU_IDR0_TTF, ttf_values),
	FLAG("COHACC", SMMU_IDR0_COHACC), FLAG("BTM", SMMU_IDR0_BTM),
	ENUM("HTTU", SMMU_IDR0_HTTU, httu_values),
	FLAG("DORMHINT", SMMU_IDR0_DORMHINT), FLAG("HYP", SMMU_IDR0_HYP),
	FLAG("ATS", SMMU_IDR0_ATS), FLAG("NS1ATS", SMMU_IDR0_NS1ATS),
	FLAG("ASID16", SMMU_IDR0_ASID16), FLAG("MSI", SMMU_IDR0_MSI),
	FLAG("SEV", SMMU_IDR0_SEV), FLAG("ATOS", SMMU_IDR0_ATOS),
	FLAG("PRI", SMMU_IDR0_PRI), FLAG("VMW", SMMU_IDR0_VMW),
	FLAG("VMID16", SMMU_IDR0_VMID16), FLAG("CD2L", SMMU_IDR0_CD2L),
	FLAG("VATOS", SMMU_IDR0_VATOS),
	ENUM("TTENDIAN", SMMU_IDR0_TTENDIAN, ttendian_values),
	FLAG("ATSRECERR", SMMU_IDR0_ATSRECERR),
	ENUM("STALL_MODEL", SMMU_IDR0_STALL_MODEL, stall_model_values),
	FLAG("TERM_MODEL", SMMU_IDR0_TERM_MODEL),
	ENUM("ST_LEVEL", SMMU_IDR0_ST_LEVEL, st_level_values),
	FLAG("RME_IMPL", SMMU_IDR0_RME_IMPL),
};

/* §6.3.2: the sizes are log2 (of StreamIDs, SubstreamIDs, queue entries). */
static const struct idr_field idr1_fields[] = {
	FLAG("SIDSIZE", SMMU_IDR1_SIDSIZE), FLAG("SSIDSIZE", SMMU_IDR1_SSIDSIZE),
	FLAG("PRIQS", SMMU_IDR1_PRIQS), FLAG("EVENTQS", SMMU_IDR1_EVENTQS),
	FLAG("CMDQS", SMMU_IDR1_CMDQS),
	FLAG("ATTR_PERMS_OVR", SMMU_IDR1_ATTR_PERMS_OVR),
	FLAG("ATTR_TYPES_OVR", SMMU_IDR1_ATTR_TYPES_OVR),
	FLAG("REL", SMMU_IDR1_REL), FLAG("QUEUES_PRESET", SMMU_IDR1_QUEUES_PRESET),
	FLAG("TABLES_PRESET", SMMU_IDR1_TABLES_PRESET), FLAG("ECMDQ", SMMU_IDR1_ECMDQ),
};

/* §6.3.4 */
static const struct idr_field idr3_fields[] = {
	FLAG("HAD", SMMU_IDR3_HAD), FLAG("PBHA", SMMU_IDR3_PBHA), FLAG("XNX", SMMU_IDR3_XNX),
	FLAG("PPS", SMMU_IDR3_PPS), FLAG("MPAM", SMMU_IDR3_MPAM), FLAG("FWB", SMMU_IDR3_FWB),
	FLAG("STT", SMMU_IDR3_STT), FLAG("RIL", SMMU_IDR3_RIL), FLAG("BBML", SMMU_IDR3_BBML),
	FLAG("E0PD", SMMU_IDR3_E0PD), FLAG("PTWNNC", SMMU_IDR3_PTWNNC),
};

/* §6.3.6 */
static const struct idr_field idr5_fields[] = {
	ENUM("OAS", SMMU_IDR5_OAS, oas_values),
	FLAG("GRAN4K", SMMU_IDR5_GRAN4K), FLAG("GRAN16K", SMMU_IDR5_GRAN16K),
	FLAG("GRAN64K", SMMU_IDR5_GRAN64K), FLAG("DS", SMMU_IDR5_DS), FLAG("D128", SMMU_IDR5_D128),
	ENUM("VAX", SMMU_IDR5_VAX, vax_values),
	FLAG("STALL_MAX", SMMU_IDR5_STALL_MAX),
};

/* §6.3.7, §6.3.8 */
static const struct idr_field iidr_fields[] = {
	CODE("Implementer", SMMU_IIDR_IMPLEMENTER), FLAG("Revision", SMMU_IIDR_REVISION),
	FLAG("Variant", SMMU_IIDR_VARIANT), CODE("ProductID", SMMU_IIDR_PRODUCTID),
};

static const struct idr_field aidr_fields[] = {
	FLAG("ArchMinorRev", SMMU_AIDR_ARCH_MINOR), FLAG("ArchMajorRev", SMMU_AIDR_ARCH_MAJOR),
};

static const struct idr_reg idr_regs[] = {
	REG("SMMU_IDR0", SMMU_IDR0, idr0_fields),
	REG("SMMU_IDR1", SMMU_IDR1, idr1_fields),
	REG("SMMU_IDR3", SMMU_IDR3, idr3_fields),
	REG("SMMU_IDR5", SMMU_IDR5, idr5_fields),
	REG("SMMU_IIDR", SMMU_IIDR, iidr_fields),
	REG("SMMU_AIDR", SMMU_AIDR, aidr_fields),
};

#define NR_IDR_REGS	(sizeof(idr_regs) / sizeof(idr_regs[0]))

/*
 * Decode field @field of register @reg ("SMMU_IDR0"...) from @raw, as this
 * command prints it (for tests: the names must pick the spec's bits).
 * 0, or -1 if there is no such register or field.
 */
int sva_info_decode(const char *reg, const char *field, uint32_t raw, uint32_t *val);

int sva_info_decode(const char *reg, const char *field, uint32_t raw, uint32_t *val)
{
	unsigned int i, j;

	for (i = 0; i < NR_IDR_REGS; i++) {
		if (strcmp(idr_regs[i].name, reg))
			continue;
		for (j = 0; j < idr_regs[i].nr_fields; j++) {
			if (!strcmp(idr_regs[i].fields[j].name, field)) {
				*val = (uint32_t)FIELD_GET(idr_regs[i].fields[j].mask, raw);
				return 0;
			}
		}
	}
	return -1;
}

static void print_reg(FILE *f, const struct idr_reg *r, uint32_t raw)
{
	unsigned int i;

	fprintf(f, "%-10s 0x%08x\n", r->name, raw);
	for (i = 0; i < r->nr_fields; i++) {
		const struct idr_field *fd = &r->fields[i];
		uint32_t v = (uint32_t)FIELD_GET(fd->mask, raw);

		if (fd->hex)
			fprintf(f, "  %-15s 0x%x\n", fd->name, v);
		else if (fd->values && v < fd->nr_values)
			fprintf(f, "  %-15s %u (%s)\n", fd->name, v, fd->values[v]);
		else
			fprintf(f, "  %-15s %u\n", fd->name, v);
	}
}

static const char *const feature_names[] = {
	"2_LVL_STRTAB", "2_LVL_CDTAB", "TT_LE", "PRI", "ATS", "SEV", "MSI", "COHERENCY",
	"TRANS_S1", "TRANS_S2", "STALLS", "HYP", "STALL_FORCE", "VAX", "RANGE_INV", "BTM",
	"SVA", "E2H", "HA", "HD", "ASID16", "VMID16", "ATTR_TYPES_OVR",
};

static void print_driver(FILE *f, const struct arm_smmu_device *smmu)
{
	const struct arm_smmu_strtab_cfg *st = &smmu->strtab_cfg;
	unsigned int i;

	fprintf(f, "driver features:");
	for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
		if (smmu->features & (1u << i))
			fprintf(f, " %s", feature_names[i]);
	fprintf(f, "\ndriver options:%s\n", smmu->options & ARM_SMMU_OPT_MSIPOLL ? " MSIPOLL" : "");
	fprintf(f, "  sid bits %u, ssid bits %u, asid bits %u, vmid bits %u, ias %u, oas %u\n",
		smmu->sid_bits, smmu->ssid_bits, smmu->asid_bits, smmu->vmid_bits, smmu->ias,
		smmu->oas);
	fprintf(f, "  page sizes 0x%llx\n", (unsigned long long)smmu->pgsize_bitmap);
	fprintf(f, "  queues: cmdq %u, evtq %u, priq %u entries\n", 1u << smmu->cmdq.q.log2,
		1u << smmu->evtq.log2,
		smmu->features & ARM_SMMU_FEAT_PRI ? 1u << smmu->priq.log2 : 0);
	if (smmu->features & ARM_SMMU_FEAT_2_LVL_STRTAB)
		fprintf(f, "  stream table: 2-level, %u level-1 descriptors\n", st->num_l1_ents);
	else
		fprintf(f, "  stream table: linear, %u STEs\n", 1u << st->num_sids_log2);
	fprintf(f, "  CD tables: %s\n", smmu->features & ARM_SMMU_FEAT_2_LVL_CDTAB ?
		"2-level for masters with many SSIDs" : "linear");
	fprintf(f, "  interrupts: %s\n", smmu->msi_doorbell_pa ? "MSI" : "wired");
}

static void print_limits(FILE *f, struct machine *m, const struct arm_smmu_device *smmu)
{
	struct machine_limits l;

	machine_get_limits(m, &l);
	fprintf(f, "limits:\n");
	fprintf(f, "  ASID bits %u, VMID bits %u, SSID bits %u\n", smmu->asid_bits,
		smmu->vmid_bits, smmu->ssid_bits);
	fprintf(f, "  STALL_MAX %u\n",
		(unsigned int)FIELD_GET(SMMU_IDR5_STALL_MAX, machine_smmu_reg(m, SMMU_IDR5)));
	fprintf(f, "  SMMU TLB %u entries, CPU TLB %u entries per CPU\n", l.smmu_tlb_entries,
		l.cpu_tlb_entries);
	fprintf(f, "  CPUs %u, page size %uK\n", l.cpus, (1u << l.page_shift) >> 10);
}

/* The machine configuration from scenario words; -1 with a message in @err. */
static int info_config(int argc, char **argv, struct scn_machine *cfg, char *err, size_t len)
{
	scn_machine_defaults(cfg);
	return scn_machine_set_words(cfg, argc, argv, err, len);
}

/* Print everything about the machine @argv describes on @f. 0, or 2 with a line on @ferr. */
static int info_print(FILE *f, FILE *ferr, int argc, char **argv)
{
	struct scn_machine cfg;
	char err[SCN_ERR_MAX] = "";
	struct machine *m;
	unsigned int i;

	if (info_config(argc, argv, &cfg, err, sizeof(err))) {
		fprintf(ferr, "sva: info: %s\n", err);
		return 2;
	}
	m = machine_create(&cfg, err, sizeof(err));
	if (!m) {
		fprintf(ferr, "sva: info: %s\n", err);
		return 2;
	}
	/* AIDR: ArchMajorRev 0 is SMMUv3, ArchMinorRev the .x (§6.3.8). */
	fprintf(f, "SMMUv3.%u\n",
		(unsigned int)FIELD_GET(SMMU_AIDR_ARCH_MINOR, machine_smmu_reg(m, SMMU_AIDR)));
	for (i = 0; i < NR_IDR_REGS; i++)
		print_reg(f, &idr_regs[i], machine_smmu_reg(m, idr_regs[i].off));
	print_driver(f, machine_smmu_driver(m));
	print_limits(f, m, machine_smmu_driver(m));
	machine_destroy(m);
	return 0;
}

static int info_main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(info_usage, stdout);
		return 0;
	}
	return info_print(stdout, stderr, argc - 1, argv + 1);
}

const struct sva_command sva_cmd_info = {
	.name = "info",
	.summary = "the machine: SMMU ID registers decoded, driver features, limits",
	.main = info_main,
};
