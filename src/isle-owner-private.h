/* isle-owner-private.h: the thread that owns an object, and the check
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Islands, cells, thread guards, join sets and the receiving ends of
 * channels and oneshots each belong to the thread that made them. They
 * record that thread as an IsleOwner and check it with ISLE_OWNER_CHECK(),
 * one implementation for all of them.
 *
 * A thread is named by a serial number taken from a process-wide counter
 * the first time Isle needs it (as Rust's ThreadId), never by an address:
 * the C library hands a dead thread's TLS block and stack to the next
 * thread it creates, so an address would let that thread pass for the dead
 * owner (design decision 10).
 */

#pragma once

#include "isle-thread-private.h"

G_BEGIN_DECLS

typedef struct
{
  guint64  thread;        /* the owner's serial; never 0 */
  char    *description;   /* (owned) the owner thread, for messages */
} IsleOwner;

/* Makes the calling thread the owner. */
void _isle_owner_init  (IsleOwner *owner);
void _isle_owner_clear (IsleOwner *owner);

/* One load from TLS and a compare: a thread that has no serial yet is
 * 0 there and so owns nothing. */
static inline gboolean
_isle_owner_is_current (const IsleOwner *owner)
{
  return owner->thread == _isle_thread_peek_serial ();
}

/* Aborts with the wrong-thread message: "@function() called on thread
 * <this one>, but @what @object belongs to thread <owner>: <advice>". */
G_GNUC_NORETURN
void _isle_owner_wrong_thread (const IsleOwner *owner,
                               const char      *function,
                               const char      *what,
                               gconstpointer    object,
                               const char      *advice_format,
                               ...) G_GNUC_PRINTF (5, 6);

#define ISLE_OWNER_CHECK(owner, function, what, object, ...)                \
  G_STMT_START {                                                            \
    if (G_UNLIKELY (!_isle_owner_is_current (owner)))                       \
      _isle_owner_wrong_thread ((owner), (function), (what), (object),      \
                                __VA_ARGS__);                               \
  } G_STMT_END

G_END_DECLS
