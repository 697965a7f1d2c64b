/* Helpers of the ACPI tests: ACPICA's tools on islet-dm's tables
 * (acpi_tools.c). */
#ifndef DM_ACPI_TOOLS_H
#define DM_ACPI_TOOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The scratch directory (removed at exit), or NULL (and a CUnit
 * failure) when there is none or iasl/acpiexec are missing. */
const char *acpi_tool_dir(void);

/* Runs @cmd in @dir with stdout and stderr into @out; its exit status
 * (-1 if it did not exit). */
int acpi_tool_run(const char *dir, const char *cmd, char *out, size_t size);
int acpi_tool_write(const char *dir, const char *name, const void *p,
		    size_t len);
/* The file's contents (free() them), NUL-terminated, or NULL. */
char *acpi_tool_read(const char *dir, const char *name, size_t *len);

/*
 * iasl disassembles @t (@name.dat in @dir) without a complaint, and the
 * disassembly compiles (warnings as errors; -z keeps the creator) back to
 * the same bytes.  NULL, or what went wrong (with the line iasl printed
 * in iasl_said, if that was it).
 */
const char *iasl_check(const char *dir, const char *name, const uint8_t *t,
		       size_t len);
extern char iasl_said[256];

/* CDW1 (and CDW3 if @cdw3) of the @nth _OSC result in acpiexec's output
 * @out; false if there is none. */
bool acpiexec_osc(const char *out, unsigned int nth, uint32_t *cdw1,
		  uint32_t *cdw3);

#endif
