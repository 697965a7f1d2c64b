#include "libguest.h"
int main(int argc, char **argv)
{
	return report_summary();
}
