/* isle-sanitizers-private.h: telling the memory checkers what Isle does
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fibers switch stacks and task records come from an arena of Isle's own;
 * AddressSanitizer and Valgrind must be told, or they report frames on
 * fiber stacks as overflows and miss errors in task records.
 * ThreadSanitizer must be told too: it keeps a shadow call stack and a
 * vector clock per thread, and without fiber annotations a switch looks
 * like a thread returning from functions it never entered.
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

#if defined(__SANITIZE_THREAD__)
# define ISLE_TSAN 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define ISLE_TSAN 1
# endif
#endif

#ifdef ISLE_TSAN
# include <sanitizer/tsan_interface.h>
#endif
