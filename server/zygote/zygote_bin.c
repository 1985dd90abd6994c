/* zygote_bin.c: main() of a zygote-only binary, built against another
 * Python's tree (build/pythons/<X.Y>/zygote, docs/ARCHITECTURE.md §9) from
 * the zygote's sources alone: it holds that Python and never serves HTTP.
 * The server starts it through the tree's own dynamic loader, as it starts
 * itself with --zygote for the Python it links. Not part of lessond. */
#include "zygote/zygote.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--zygote") == 0)
		return zygote_command(argc, argv);
	fprintf(stderr, "%s: lessond's zygote for another Python; lessond starts it (--zygote)\n",
	        argc ? argv[0] : "zygote");
	return 2;
}
