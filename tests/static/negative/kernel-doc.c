// SPDX-License-Identifier: GPL-2.0
/*
 * Must make scripts/kernel-doc -none complain: the comment documents a
 * parameter the function does not have and misses the one it has.
 */

/**
 * kernel_doc_negative() - a function whose comment is wrong
 * @wrong: not a parameter of this function
 *
 * Return: nothing useful.
 */
int kernel_doc_negative(int right)
{
	return right;
}
