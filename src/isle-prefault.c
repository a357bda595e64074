/* isle-prefault.c: memory faulted in ahead of its use, off-thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The first write to fresh anonymous memory is a page fault, and the
 * kernel zero-fills the page before the write goes on. On the virtual
 * machines Isle is measured on that costs about 2.3 ms for each 2 MiB huge
 * page of a task arena (1.1 µs per 4 KiB), and an island that spawns
 * 100,000 poll tasks on sleep futures spent a quarter of its time there:
 * stalls of milliseconds, in the middle of whatever the island was doing,
 * that made its timers late. A growing arena therefore maps its next chunk
 * ahead of need and asks one process-wide thread to fault it in
 * (MADV_POPULATE_WRITE, Linux 5.14) while the island fills the current
 * one; the island's thread then writes to memory that is already there.
 *
 * Only islands past half a chunk of records (a few thousand tasks or
 * timers) ever get here: the thread starts with the first request and
 * then waits for the next. Where the kernel lacks MADV_POPULATE_WRITE, or
 * the thread cannot start, nothing is faulted ahead and the island pays
 * the faults as before; nothing depends on a request being served.
 *
 * A request names memory its owner still maps: the owner forgets it
 * (_isle_prefault_forget()) before unmapping, and waits if it is being
 * served, so the thread never faults an address that has been reused by
 * another mapping. */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>

#include "isle-prefault-private.h"

/* It calls madvise() and waits on a condition: a small stack is plenty. */
#define PREFAULT_STACK_SIZE ((gsize) 64 * 1024)

static struct
{
  GMutex        lock;
  GCond         cond;       /* signalled on a new request, and when one is served */
  IslePrefault *head;       /* protected by lock: oldest first */
  IslePrefault *tail;       /* protected by lock */
  IslePrefault *serving;    /* protected by lock: being faulted in, unlocked */
  gboolean      started;    /* protected by lock */
  gboolean      unavailable;/* protected by lock: no thread, or no kernel support */
  gboolean      forks_handled; /* protected by lock: once per process */
} prefault;

static void
prefault_atfork_prepare (void)
{
  g_mutex_lock (&prefault.lock);
}

static void
prefault_atfork_parent (void)
{
  g_mutex_unlock (&prefault.lock);
}

/* The child has no prefault thread: it forgets the parent's requests (the
 * memory is the child's copy, faulted as it is used) and starts a thread
 * of its own with its next request. */
static void
prefault_atfork_child (void)
{
  while (prefault.head != NULL)
    {
      IslePrefault *request = prefault.head;

      prefault.head = request->next;
      request->next = NULL;
      request->queued = FALSE;
    }
  prefault.tail = NULL;
  prefault.serving = NULL;
  prefault.started = FALSE;
  g_mutex_unlock (&prefault.lock);
}

static void *
prefault_thread (void *data)
{
  g_mutex_lock (&prefault.lock);
  for (;;)
    {
      IslePrefault *request;
      int ret = 0;

      while (prefault.head == NULL)
        g_cond_wait (&prefault.cond, &prefault.lock);

      request = prefault.head;
      prefault.head = request->next;
      if (prefault.head == NULL)
        prefault.tail = NULL;
      request->next = NULL;
      request->queued = FALSE;
      prefault.serving = request;
      g_mutex_unlock (&prefault.lock);

#ifdef MADV_POPULATE_WRITE
      ret = madvise (request->addr, request->size, MADV_POPULATE_WRITE);
      if (ret != 0)
        ret = errno;
#endif

      g_mutex_lock (&prefault.lock);
      prefault.serving = NULL;
      /* Older kernels refuse the advice: stop asking. */
      if (ret == EINVAL)
        {
          prefault.unavailable = TRUE;
          while (prefault.head != NULL)
            {
              IslePrefault *dropped = prefault.head;

              prefault.head = dropped->next;
              dropped->next = NULL;
              dropped->queued = FALSE;
            }
          prefault.tail = NULL;
        }
      g_cond_broadcast (&prefault.cond);
    }

  return NULL;
}

/* Called with prefault.lock held. A detached POSIX thread rather than a
 * GThread: a forked child would hold a copy of the GThread's record that
 * nothing can release. */
static gboolean
prefault_ensure_thread (void)
{
  pthread_t thread;
  pthread_attr_t attr;
  sigset_t all, saved;
  int ret;

  if (prefault.started)
    return TRUE;
  if (prefault.unavailable)
    return FALSE;

  /* Once per process, before there is a thread to lose: started is FALSE
   * again in a forked child, which inherits the handlers. */
  if (!prefault.forks_handled)
    pthread_atfork (prefault_atfork_prepare, prefault_atfork_parent,
                    prefault_atfork_child);
  prefault.forks_handled = TRUE;

  /* The thread takes no signals: they are the application's threads'. */
  sigfillset (&all);
  pthread_sigmask (SIG_BLOCK, &all, &saved);
  pthread_attr_init (&attr);
  pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize (&attr, PREFAULT_STACK_SIZE);
  ret = pthread_create (&thread, &attr, prefault_thread, NULL);
  pthread_attr_destroy (&attr);
  pthread_sigmask (SIG_SETMASK, &saved, NULL);
  if (ret != 0)
    {
      prefault.unavailable = TRUE;
      return FALSE;
    }
  pthread_setname_np (thread, "isle-prefault");
  prefault.started = TRUE;
  return TRUE;
}

/* Asks for @size bytes at @addr, mapped and not yet touched, to be faulted
 * in for writing. @request must not be queued already. Any thread. */
void
_isle_prefault_queue (IslePrefault *request,
                      gpointer      addr,
                      gsize         size)
{
#ifndef MADV_POPULATE_WRITE
  return;
#endif

  g_mutex_lock (&prefault.lock);
  g_assert (!request->queued && prefault.serving != request);
  if (prefault_ensure_thread ())
    {
      request->addr = addr;
      request->size = size;
      request->next = NULL;
      request->queued = TRUE;
      if (prefault.tail != NULL)
        prefault.tail->next = request;
      else
        prefault.head = request;
      prefault.tail = request;
      g_cond_broadcast (&prefault.cond);
    }
  g_mutex_unlock (&prefault.lock);
}

/* Takes @request back if it is still queued. If it is being served, @wait
 * waits until it is done (before the memory is unmapped); without @wait
 * the caller goes on and uses the memory meanwhile, which is safe: the
 * kernel serves a fault and a population of the same page one after the
 * other. Any thread. */
void
_isle_prefault_forget (IslePrefault *request,
                       gboolean      wait)
{
  g_mutex_lock (&prefault.lock);
  if (request->queued)
    {
      IslePrefault **link = &prefault.head;
      IslePrefault *prev = NULL;

      while (*link != request)
        {
          prev = *link;
          link = &(*link)->next;
        }
      *link = request->next;
      if (prefault.tail == request)
        prefault.tail = prev;
      request->next = NULL;
      request->queued = FALSE;
    }
  while (wait && prefault.serving == request)
    g_cond_wait (&prefault.cond, &prefault.lock);
  g_mutex_unlock (&prefault.lock);
}
