/* header-test.cc: <isle.h> compiles alone, warning-free, as C++
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Built once per C++ standard (tests/packaging/meson.build) with -Wall
 * -Wextra -Wpedantic -Werror, so that C++ programs can use Isle: the
 * headers must be wrapped in G_BEGIN_DECLS and their inline functions
 * valid C++.
 */

#include <isle.h>

int
main ()
{
  g_autoptr(IsleLocalSet) island = nullptr;

  return ISLE_CHECK_VERSION (0, 0, 0) && isle_local_set_get_current () == island ? 0 : 1;
}
