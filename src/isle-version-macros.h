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
 * with -fvisibility=hidden, so nothing else is exported. */
#if defined(_WIN32) && !defined(__GNUC__)
# ifdef ISLE_COMPILATION
#  define _ISLE_EXTERN __declspec(dllexport) extern
# else
#  define _ISLE_EXTERN __declspec(dllimport) extern
# endif
#elif defined(__GNUC__)
# define _ISLE_EXTERN __attribute__((visibility ("default"))) extern
#else
# define _ISLE_EXTERN extern
#endif

#define ISLE_AVAILABLE_IN_ALL _ISLE_EXTERN
#define ISLE_AVAILABLE_IN_1_0 _ISLE_EXTERN
