/* bindings-test.h: a C library that hands Isle futures to GJS and Python
 * tests, as an application's own C code would
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <isle.h>

G_BEGIN_DECLS

IsleFuture *bindings_test_sum_on_pool    (guint       n) G_GNUC_WARN_UNUSED_RESULT;
guint       bindings_test_get_sum      (IsleFuture *future);

G_END_DECLS
