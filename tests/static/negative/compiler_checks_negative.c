// SPDX-License-Identifier: GPL-2.0
/*
 * Must make W=1 (gcc and clang) and sparse complain: a global function
 * without a prototype ("no previous prototype", "was not declared. Should
 * it be static?"). Proves that those checks can fail.
 */
#include <linux/module.h>

int compiler_checks_negative_global(int x)
{
	return x + 1;
}

MODULE_LICENSE("GPL");
