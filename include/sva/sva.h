/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libsva: Shared Virtual Addressing on an Arm SMMUv3, as a library.
 *
 *   #include <sva/sva.h>         cc prog.c $(pkg-config --cflags --libs sva)
 *
 * Two ways in:
 *  - scenarios: scn_run_file() runs a .sva file (the language of the sva
 *    command's `run`) and returns 0 / 1 / 2 as the command does;
 *  - a machine: machine_create() builds memory, CPUs, the SMMU and the
 *    software stack from a struct scn_machine (scn_machine_defaults() gives
 *    the default one), then processes, devices, binds and DMA descriptors
 *    are driven with the machine_* calls of sim/machine.h.
 *
 * What unbind and exit promise (sim/machine.h, "Unbind and exit"): the
 * device's work for the PASID is stopped before the unbind reaches the
 * IOMMU, so once machine_unbind() returns nothing submitted earlier reaches
 * the process through that PASID, nor the next process given the PASID.
 *
 * The hardware models (hw/) and the software (os/) are in libsva.a too and
 * can be used on their own (an SMMUv3 model for a VMM: hw/smmu/smmu.h), but
 * only the interfaces included here are installed.
 */
#ifndef SVA_SVA_H
#define SVA_SVA_H

#include "sim/machine.h"
#include "sim/run.h"
#include "sim/scenario.h"
#include "sim/trace.h"
#include "sva/log.h"

#define SVA_VERSION_STRING	"0.1.0"

#endif /* SVA_SVA_H */
