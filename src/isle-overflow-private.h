/* isle-overflow-private.h: naming the task whose stack overflowed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

void _isle_overflow_handler_install (void);

G_END_DECLS
