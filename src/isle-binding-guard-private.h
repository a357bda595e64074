/* isle-binding-guard-private.h: keeping language bindings off fiber stacks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "isle-types.h"

G_BEGIN_DECLS

IsleTaskFunc _isle_binding_guard_fiber_func (IsleTaskFunc func);

G_END_DECLS
