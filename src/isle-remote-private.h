/* isle-remote-private.h: the part of an island other threads reach
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Wakes, spawns and calls from other threads queue here under a lock; one
 * source of the island moves them onto its thread at the start of every
 * iteration, with one context wake-up per batch (isle-remote.c).
 */

#pragma once

#include <glib.h>

#include "isle-types.h"

G_BEGIN_DECLS

typedef struct _IsleRemote IsleRemote;

/* A function that _isle_remote_call() runs on the island's thread. */
typedef void (*IsleRemoteFunc) (gpointer data);

typedef struct
{
  IsleRemoteFunc func;
  gpointer       data;
} IsleRemoteCall;

typedef struct _IsleRemoteLink IsleRemoteLink;

/* A call that carries its own link, queued without the lock: a burst of
 * spawns from another thread took the lock twice a spawn (the sender's
 * push, the island's drain), and the lock's cache line went back and
 * forth between the two processors on every one. */
struct _IsleRemoteLink
{
  IsleRemoteLink *next;
  void          (*func) (IsleRemoteLink *link);
};

/* The part of an island that other threads reach: wakes from them queue
 * here. It outlives the island for as long as a waker references it. */
struct _IsleRemote
{
  gatomicrefcount  ref_count;
  GMutex           lock;
  GPtrArray       *queue;       /* (owned) protected by lock; each entry holds a task reference */
  GArray          *calls;       /* (owned) protected by lock; IsleRemoteCall, run on the island's thread */
  IsleRemoteLink  *links;       /* (atomic) pushed without the lock, newest first;
                                 * a sentinel once the island is closed */
  gboolean         closed;      /* protected by lock */
  int              pending;     /* (atomic) set: senders need not wake the context,
                                 * for a wake-up is on its way or the island
                                 * drains again before it can block */
  GMainContext    *context;     /* (owned) */
  guint64          owner;       /* the island's thread (IsleOwner.thread) */
  IsleLocalSet    *island;      /* (unowned) owner thread only; NULL once the island is gone */
};

IsleRemote   *_isle_remote_new               (IsleLocalSet   *island);
GSource      *_isle_remote_source_new        (IsleLocalSet   *island);
IsleRemote   *_isle_remote_ref               (IsleRemote     *remote);
void          _isle_remote_unref             (IsleRemote     *remote);
void          _isle_remote_wake              (IsleRemote     *remote,
                                              IsleTask       *task);
void          _isle_remote_wake_take         (IsleRemote     *remote,
                                              IsleTask       *task);
gboolean      _isle_remote_call              (IsleRemote     *remote,
                                              IsleRemoteFunc  func,
                                              gpointer        data);
gboolean      _isle_remote_push              (IsleRemote     *remote,
                                              IsleRemoteLink *link);
gboolean      _isle_remote_has_work          (IsleRemote     *remote);
void          _isle_remote_run_at_home       (IsleRemote     *home,
                                              GDestroyNotify  func,
                                              gpointer        data);

G_END_DECLS
