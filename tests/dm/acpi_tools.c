/*
 * Helpers of the ACPI tests (test_acpi.c): running ACPICA's own tools on
 * the tables islet-dm builds.  iasl disassembles a table and compiles the
 * disassembly back; acpiexec loads the tables into ACPICA's interpreter
 * and evaluates methods.  Both come with acpica-tools, a build dependency
 * (misc/deps.sh), because iasl compiles the DSDT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "acpi_tools.h"
#include "dm_unit.h"

int acpi_tool_run(const char *dir, const char *cmd, char *out, size_t size)
{
	char line[1024];
	size_t n = 0;
	FILE *f;
	int st;

	snprintf(line, sizeof(line), "cd '%s' && %s </dev/null 2>&1", dir,
		 cmd);
	f = popen(line, "r");
	if (!f)
		return -1;
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	while (fread(line, 1, sizeof(line), f) > 0)
		;
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int acpi_tool_write(const char *dir, const char *name, const void *p,
		    size_t len)
{
	char path[512];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	ok = fwrite(p, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

char *acpi_tool_read(const char *dir, const char *name, size_t *len)
{
	char path[512];
	char *p = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)n + 1))) {
		*len = fread(p, 1, (size_t)n, f);
		p[*len] = '\0';
	}
	fclose(f);
	return p;
}

/*
 * What iasl 20200925 prints for a table it takes without complaint; any
 * other line is a problem: "Firmware Warning (ACPI): Incorrect checksum
 * ...", "32/64X length mismatch in FADT/...", "Table [APIC] is too long
 * for file", "Binary file does not contain a valid ACPI table", ...
 */
static const char *const iasl_quiet[] = {
	"File appears to be binary",
	"Binary file appears to be a valid ACPI table",
	"Input file ",
	"ACPI: ",
	"Acpi Data Table [",
	"Formatted output:",
	"Pass 1 parse",
	"Pass 2 parse",
	"Parsing Deferred Opcodes",
	"Parsing completed",
	"Disassembly completed",
	"ASL Output:",
};

static bool quiet_line(const char *l, size_t len)
{
	if (!len)
		return true;
	for (size_t i = 0; i < sizeof(iasl_quiet) / sizeof(iasl_quiet[0]);
	     i++)
		if (!strncmp(l, iasl_quiet[i], strlen(iasl_quiet[i])))
			return true;
	return false;
}

/* What the disassembly says about fields it could not make sense of
 * ("Invalid zero length subtable", "**** ACPI table terminates in the
 * middle of a data structure", "**** Unknown ACPI table signature"). */
static bool dsl_complains(const char *dsl)
{
	static const char *const words[] = {
		"****", "Invalid", "invalid", "Unknown", "Error", "Warning",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(dsl, words[i]))
			return true;
	return false;
}

char iasl_said[256];

/* Round-tripping is the strongest check iasl offers: each field it
 * decodes must be what it would encode itself. */
const char *iasl_check(const char *dir, const char *name, const uint8_t *t,
		       size_t len)
{
	static char out[16384];
	char cmd[256], file[64];
	char *text;
	size_t n;
	bool bad;

	iasl_said[0] = '\0';
	snprintf(file, sizeof(file), "%s.dat", name);
	if (acpi_tool_write(dir, file, t, len))
		return "cannot write the table";
	snprintf(cmd, sizeof(cmd), "iasl -vs -d %s", file);
	if (acpi_tool_run(dir, cmd, out, sizeof(out)))
		return "iasl -d failed";
	for (const char *l = out; *l;) {
		size_t ll = strcspn(l, "\n");

		if (!quiet_line(l, ll)) {
			snprintf(iasl_said, sizeof(iasl_said), "%.*s",
				 (int)ll, l);
			return "iasl -d complained";
		}
		l += ll + (l[ll] == '\n');
	}
	snprintf(file, sizeof(file), "%s.dsl", name);
	text = acpi_tool_read(dir, file, &n);
	if (!text)
		return "no disassembly";
	bad = dsl_complains(text);
	free(text);
	if (bad)
		return "the disassembly flags a problem";

	snprintf(cmd, sizeof(cmd), "iasl -vs -we -z -p %s-again %s.dsl", name,
		 name);
	if (acpi_tool_run(dir, cmd, out, sizeof(out)) ||
	    !strstr(out, "Compilation successful. 0 Errors, 0 Warnings"))
		return "the disassembly does not compile cleanly";
	snprintf(file, sizeof(file), "%s-again.aml", name);
	text = acpi_tool_read(dir, file, &n);
	if (!text)
		return "no recompiled table";
	bad = n != len || memcmp(text, t, len);
	free(text);
	return bad ? "recompiled, the table differs" : NULL;
}

static char scratch[64];

static void remove_scratch(void)
{
	char cmd[128], out[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	acpi_tool_run("/", cmd, out, sizeof(out));
}

/*
 * Missing tools fail the test rather than skip it: they are build
 * dependencies, and a skipped check would look like a passed one.  One
 * directory serves every test; it goes at exit, so that a test that
 * stopped half-way (a fatal assertion) leaves nothing behind.
 */
const char *acpi_tool_dir(void)
{
	static char out[256];

	if (acpi_tool_run("/", "command -v iasl && command -v acpiexec", out,
			  sizeof(out))) {
		CU_FAIL("iasl/acpiexec missing: install acpica-tools "
			"(misc/deps.sh build)");
		return NULL;
	}
	if (scratch[0])
		return scratch;
	strcpy(scratch, "/tmp/islet-acpi-XXXXXX");
	if (!mkdtemp(scratch)) {
		scratch[0] = '\0';
		CU_FAIL("mkdtemp");
		return NULL;
	}
	atexit(remove_scratch);
	return scratch;
}

/* acpiexec prints a returned buffer as
 *   [Buffer] Length 0C =     0000: 01 00 00 00 1F 00 00 00 ... */
bool acpiexec_osc(const char *out, unsigned int nth, uint32_t *cdw1,
		  uint32_t *cdw3)
{
	const char *p = out;
	unsigned int b[12];
	int n;

	for (unsigned int i = 0; i <= nth; i++) {
		p = strstr(p, "[Buffer] Length");
		if (!p)
			return false;
		p++;
	}
	p = strstr(p, "0000:");
	if (!p)
		return false;
	n = sscanf(p + 5, "%x %x %x %x %x %x %x %x %x %x %x %x", &b[0],
		   &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7], &b[8],
		   &b[9], &b[10], &b[11]);
	if (n < 4)
		return false;
	*cdw1 = b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24;
	if (cdw3 && n < 12)
		return false;
	if (cdw3)
		*cdw3 = b[8] | b[9] << 8 | b[10] << 16 | b[11] << 24;
	return true;
}
