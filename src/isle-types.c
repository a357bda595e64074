/* isle-types.c: the GTypes of every Isle enumeration and flags type, and
 * Isle's error domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-cell.h"
#include "isle-local-set.h"
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

G_DEFINE_ENUM_TYPE (IsleError, isle_error,
  G_DEFINE_ENUM_VALUE (ISLE_ERROR_NOT_IN_FIBER, "not-in-fiber"),
  G_DEFINE_ENUM_VALUE (ISLE_ERROR_FIBER_REFUSED, "fiber-refused"),
  G_DEFINE_ENUM_VALUE (ISLE_ERROR_NO_FIBER_STACK, "no-fiber-stack"),
  G_DEFINE_ENUM_VALUE (ISLE_ERROR_NESTED_LOOP, "nested-loop"),
  G_DEFINE_ENUM_VALUE (ISLE_ERROR_WOULD_DEADLOCK, "would-deadlock"),
  G_DEFINE_ENUM_VALUE (ISLE_ERROR_BUSY, "busy"),
  G_DEFINE_ENUM_VALUE (ISLE_ERROR_ALREADY_JOINED, "already-joined"),
  G_DEFINE_ENUM_VALUE (ISLE_ERROR_ALREADY_SENT, "already-sent"),
  G_DEFINE_ENUM_VALUE (ISLE_ERROR_PENDING, "pending"),
  G_DEFINE_ENUM_VALUE (ISLE_ERROR_NO_ISLAND, "no-island"),
  G_DEFINE_ENUM_VALUE (ISLE_ERROR_UNHANDLED_FAILURE, "unhandled-failure"))

G_DEFINE_ENUM_TYPE (IsleCellError, isle_cell_error,
  G_DEFINE_ENUM_VALUE (ISLE_CELL_ERROR_BORROWED, "borrowed"),
  G_DEFINE_ENUM_VALUE (ISLE_CELL_ERROR_BORROWED_MUT, "borrowed-mut"))

G_DEFINE_ENUM_TYPE (IsleCellBorrowState, isle_cell_borrow_state,
  G_DEFINE_ENUM_VALUE (ISLE_CELL_UNBORROWED, "unborrowed"),
  G_DEFINE_ENUM_VALUE (ISLE_CELL_BORROWED, "borrowed"),
  G_DEFINE_ENUM_VALUE (ISLE_CELL_BORROWED_MUT, "borrowed-mut"))

/**
 * isle_error_quark:
 *
 * Gets the error domain of Isle's own failures, %ISLE_ERROR.
 *
 * Safe to call from any thread.
 *
 * Returns: the error domain
 *
 * Since: 0.2
 */
G_DEFINE_QUARK (isle-error-quark, isle_error)
