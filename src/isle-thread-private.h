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
} IsleThreadState;

/* Its address also identifies the thread: an island compares it with the
 * one it recorded at creation, which costs no call into libpthread. The
 * initial-exec model makes it one instruction away instead of a call to
 * __tls_get_addr() per access (which was 13% of a yield); the block is
 * small enough for the static TLS glibc keeps for dlopen()ed libraries. */
#define ISLE_TLS __thread __attribute__((tls_model ("initial-exec")))

extern ISLE_TLS IsleThreadState _isle_thread_state;

static inline IsleThreadState *
_isle_thread_state_get (void)
{
  return &_isle_thread_state;
}

/* The calling thread's name and id for messages, as "'name' (tid N)";
 * the returned string is owned by the thread. */
const char *_isle_thread_describe_self (void);

G_END_DECLS
