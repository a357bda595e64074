/* header-test.c: <isle.h> compiles alone, warning-free, in each C standard
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Built once per standard (tests/packaging/meson.build) with -Wall -Wextra
 * -Wpedantic -Werror; it includes nothing but the umbrella header, as an
 * application does.  Using one function and one g_autoptr type checks that
 * the declarations and cleanup functions are usable, not only parseable.
 */

#include <isle.h>

int
main (void)
{
  g_autoptr(IsleLocalSet) island = NULL;

  return ISLE_CHECK_VERSION (0, 0, 0) && isle_local_set_get_current () == island ? 0 : 1;
}
