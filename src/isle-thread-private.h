/* isle-thread-private.h: what Isle knows about the calling thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-types.h"

G_BEGIN_DECLS

typedef struct _IsleEntered IsleEntered;

/* An island made current with isle_local_set_enter(); a stack, innermost
 * first. */
struct _IsleEntered
{
  IsleLocalSet *island;   /* (owned) */
  IsleEntered  *outer;    /* (owned) */
};

typedef struct
{
  IsleTask    *current_task;   /* (unowned) the task running on this thread */
  IsleEntered *entered;        /* (owned) */
  guint64      serial;         /* the thread's identity, 0 until first asked */
} IsleThreadState;

/* The initial-exec model makes it one instruction away instead of a call to
 * __tls_get_addr() per access (which was 13% of a yield); the block is
 * small enough for the static TLS glibc keeps for dlopen()ed libraries. */
#define ISLE_TLS __thread __attribute__((tls_model ("initial-exec")))

extern ISLE_TLS IsleThreadState _isle_thread_state;

static inline IsleThreadState *
_isle_thread_state_get (void)
{
  return &_isle_thread_state;
}

/* The calling thread's identity: a serial from a process-wide counter,
 * given out once and never reused (the TLS block's address is reused for
 * the next thread glibc creates). Never 0. */
guint64 _isle_thread_assign_serial (void);

static inline guint64
_isle_thread_get_serial (void)
{
  guint64 serial = _isle_thread_state.serial;

  if (G_UNLIKELY (serial == 0))
    serial = _isle_thread_assign_serial ();
  return serial;
}

/* The calling thread's serial, or 0 if it was never asked for: enough to
 * compare with an owner's, which is never 0. Read from the variable, not
 * through _isle_thread_state_get(): UBSan (GCC 12) takes the address of a
 * TLS variable read through a pointer in some inlined paths for NULL. */
static inline guint64
_isle_thread_peek_serial (void)
{
  return _isle_thread_state.serial;
}

/* The calling thread's name and id for messages, as "'name' (tid N)";
 * the returned string is owned by the thread. */
const char *_isle_thread_describe_self (void);

G_END_DECLS
