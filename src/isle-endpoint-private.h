/* isle-endpoint-private.h: the receiving end that channels and oneshots share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An IsleChannel and an IsleOneshot are the same thing at heart: a
 * receiving end that belongs to one thread, one task at a time receiving
 * there, senders on any thread counted under a lock, and one slot for the
 * waker of the task that waits. IsleEndpoint is that part, written once;
 * each public type embeds it first and adds what it carries (a queue of
 * items, one value) through an IsleEndpointClass.
 *
 * References: the receiving end and every sender each hold one reference
 * to the whole object (ref_count); receiver_refs counts the receiving
 * end's alone. When the last receiver reference goes, the kind is told
 * (receiver_gone); when the last sender goes, it is told under the lock
 * (senders_gone_locked). The memory goes with the last reference of
 * either kind.
 *
 * A wait holds what it waits on: a fiber in _isle_endpoint_recv() and a
 * poll task pending in _isle_endpoint_poll_recv() each hold a receiver
 * reference until the wait ends, so the caller may drop its own
 * meanwhile (docs/api-conventions.md, "Waits"), as isle_await() holds
 * its future and isle_notify_wait() its notify.
 */

#pragma once

#include "isle-owner-private.h"
#include "isle-task-private.h"

G_BEGIN_DECLS

typedef struct _IsleEndpoint      IsleEndpoint;
typedef struct _IsleEndpointClass IsleEndpointClass;

struct _IsleEndpointClass
{
  /* Words for messages and dumps, each a static string. */
  const char *type_name;            /* "IsleChannel" */
  const char *a_noun;               /* "a channel" */
  const char *the_noun;             /* "the channel" */
  const char *wrong_thread_advice;  /* after "belongs to thread …: " */
  const char *one_receiver_advice;  /* after "… has one receiver. " */
  const char *waiting_for;          /* what a dump says a receiver waits for */
  const char *would_block_message;  /* a try_recv that finds nothing yet */

  /* With the lock held: whether a receive is done. With @value, it takes
   * the value (and returns TRUE), or sets @error if none will come (and
   * returns TRUE), or returns FALSE if one is still to come; a wake it
   * owes someone for the taking (room made in a channel) goes to *@wake,
   * given after unlocking. With @value %NULL (the poll_recv_ready forms)
   * it only tells whether a take would be done, and takes nothing. */
  gboolean (*take_locked)         (IsleEndpoint  *self,
                                   gpointer      *value,
                                   IsleWaker    **wake,
                                   GError       **error);

  /* With the lock held: the last sender went. Returns TRUE if that ends
   * the wait of the receiver, which is then woken. */
  gboolean (*senders_gone_locked) (IsleEndpoint  *self);

  /* The last reference to the receiving end went (not under the lock). */
  void     (*receiver_gone)       (IsleEndpoint  *self);

  /* The last reference went: releases what the kind owns, before the
   * endpoint itself is cleared and freed. */
  void     (*finalize)            (IsleEndpoint  *self);
};

struct _IsleEndpoint
{
  const IsleEndpointClass *klass;   /* (unowned) (immutable) */

  gatomicrefcount  ref_count;       /* every receiver and sender reference */
  gatomicrefcount  receiver_refs;   /* the receiving end's alone */

  GMutex           lock;            /* also guards what the kind adds */
  guint            n_senders;       /* protected by lock */
  IsleWaker       *recv_waker;      /* (owned) (nullable) protected by lock: the
                                     * receiving task's, while it waits */

  IsleOwner        owner;           /* the receiver's thread */
  IsleTask        *receiving;       /* (unowned) (nullable) owner thread only: the
                                     * fiber task suspended in _isle_endpoint_recv() */
  IslePollWait     recv_poll;       /* owner thread only: the wait of the poll
                                     * task pending in _isle_endpoint_poll_recv() */
  IsleTask        *recv_polling;    /* (unowned) (nullable) owner thread only: whose
                                     * list holds recv_poll; it holds a receiver
                                     * reference meanwhile */
};

/* Makes the calling thread the receiver's, with one reference for the
 * receiving end and one for each of @n_senders first senders. */
void      _isle_endpoint_init          (IsleEndpoint            *self,
                                        const IsleEndpointClass *klass,
                                        guint                    n_senders);

/* Any thread. The receiving end's references, and the senders'; the
 * caller has checked that the receiving end is still referenced. */
void      _isle_endpoint_receiver_ref  (IsleEndpoint  *self);
void      _isle_endpoint_receiver_unref (IsleEndpoint *self);
/* With the lock held: another sender (a poll task waiting to send holds
 * one, so that the channel stays open). */
void      _isle_endpoint_sender_ref_locked (IsleEndpoint *self);
void      _isle_endpoint_sender_ref    (IsleEndpoint  *self);
/* Drops a sender; over-released, a critical that names @function, and
 * nothing changes. */
void      _isle_endpoint_sender_unref  (IsleEndpoint  *self,
                                        const char    *function);

/* Aborts unless called on the receiver's thread. */
static inline void
_isle_endpoint_check_thread (IsleEndpoint *self,
                             const char   *function)
{
  ISLE_OWNER_CHECK (&self->owner, function, self->klass->type_name, self,
                    "%s", self->klass->wrong_thread_advice);
}

/* The receives: fiber, try and poll forms, for the public functions named
 * @function (all of them on the receiver's thread). */
gpointer  _isle_endpoint_recv          (IsleEndpoint  *self,
                                        const char    *function,
                                        gconstpointer  caller,
                                        GError       **error);
gpointer  _isle_endpoint_try_recv      (IsleEndpoint  *self,
                                        const char    *function,
                                        GError       **error);
IslePoll  _isle_endpoint_poll_recv     (IsleEndpoint  *self,
                                        IsleWaker     *waker,
                                        gpointer      *value,
                                        const char    *function,
                                        GError       **error);

G_END_DECLS
