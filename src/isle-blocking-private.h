/* isle-blocking-private.h: the blocking pool's state, for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-blocking.h"

G_BEGIN_DECLS

guint _isle_blocking_pool_get_n_threads (void);

G_END_DECLS
