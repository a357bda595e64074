/* isle-version-macros.h: symbol visibility and availability
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include <glib.h>

/* Every public symbol carries ISLE_AVAILABLE_IN_ALL; the library is built
 * with -fvisibility=hidden, so nothing else is exported. Isle builds on
 * Linux with GCC or Clang only (fibers, stack guards and the overflow
 * handler are Linux code), so there is no dllexport branch. Symbols are
 * not versioned per release while the API is 0.x: Since: in each doc
 * comment says where a symbol first shipped under its name. */
#if defined(__GNUC__)
# define _ISLE_EXTERN __attribute__((visibility ("default"))) extern
#else
# define _ISLE_EXTERN extern
#endif

#define ISLE_AVAILABLE_IN_ALL _ISLE_EXTERN
