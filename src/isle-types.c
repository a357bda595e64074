/* isle-types.c: GType registrations of the enumerations all of Isle shares
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-types.h"

/* Registered so that the introspection data and the API reference know
 * them as real enumerations and flags; the nicks are the names
 * glib-mkenums would derive. */

G_DEFINE_ENUM_TYPE (IslePoll, isle_poll,
  G_DEFINE_ENUM_VALUE (ISLE_POLL_PENDING, "pending"),
  G_DEFINE_ENUM_VALUE (ISLE_POLL_READY, "ready"))

G_DEFINE_ENUM_TYPE (IsleUnhandledFailure, isle_unhandled_failure,
  G_DEFINE_ENUM_VALUE (ISLE_UNHANDLED_FAILURE_REPORT, "report"),
  G_DEFINE_ENUM_VALUE (ISLE_UNHANDLED_FAILURE_IGNORE, "ignore"),
  G_DEFINE_ENUM_VALUE (ISLE_UNHANDLED_FAILURE_SHUTDOWN, "shutdown"))

G_DEFINE_FLAGS_TYPE (IsleDebugFlags, isle_debug_flags,
  G_DEFINE_ENUM_VALUE (ISLE_DEBUG_TASKS, "tasks"),
  G_DEFINE_ENUM_VALUE (ISLE_DEBUG_SLOW_POLLS, "slow-polls"))
