/* isle-sanitizers-private.h: telling the memory checkers what Isle does
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fibers switch stacks and task records come from an arena of Isle's own;
 * AddressSanitizer and Valgrind must be told, or they report frames on
 * fiber stacks as overflows and miss errors in task records.
 */

#pragma once

#if HAVE_VALGRIND
# include <valgrind/memcheck.h>
# include <valgrind/valgrind.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
# define ISLE_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define ISLE_ASAN 1
# endif
#endif

#ifdef ISLE_ASAN
# include <sanitizer/asan_interface.h>
# include <sanitizer/common_interface_defs.h>
#endif
