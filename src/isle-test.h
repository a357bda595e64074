/* isle-test.h: running GTest test bodies as tasks on a fresh island
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-types.h"

G_BEGIN_DECLS

/**
 * IsleTestFunc:
 * @test_data: the data given when the test was added, or %NULL
 *
 * The body of a test run by isle_test_run(): a fiber task on an island of
 * its own, so it may await, yield, join and sleep anywhere. It fails the
 * test with GTest's assertions, as any test function does.
 *
 * Since: 0.1
 */
typedef void (*IsleTestFunc) (gconstpointer test_data);

ISLE_AVAILABLE_IN_ALL
void  isle_test_add_func         (const char    *testpath,
                                  IsleTestFunc   test_func);
ISLE_AVAILABLE_IN_ALL
void  isle_test_add_data_func    (const char    *testpath,
                                  gconstpointer  test_data,
                                  IsleTestFunc   test_func);
ISLE_AVAILABLE_IN_ALL
void  isle_test_run              (IsleTestFunc   test_func,
                                  gconstpointer  test_data);
ISLE_AVAILABLE_IN_ALL
guint isle_test_get_timeout_msec (void);
ISLE_AVAILABLE_IN_ALL
void  isle_test_set_timeout_msec (guint          timeout_msec);

G_END_DECLS
