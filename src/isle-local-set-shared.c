/* isle-local-set-shared.c: one island per context, shared
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-local-set-private.h"
#include "isle-local-set-shared-private.h"

/* Every island is registered under its context when it is made, so that
 * the application and every library on that context find the same one
 * (design decision 9). The table is reached from any thread, to send
 * work to a context's island; an island leaves it at the very start of its
 * teardown, so an entry always names a live island. */
struct _IsleSharedEntry
{
  IsleLocalSet *island;       /* (unowned) alive while in the table */
  IsleRemote   *remote;       /* (unowned) the island's */
  GSource      *linger;       /* (owned) (nullable) island thread only */
  GSource      *completions;  /* (owned) (nullable) island thread only; see isle-gtask.c */
};

G_LOCK_DEFINE_STATIC (shared);
static GHashTable *shared_table;  /* GMainContext* → IsleSharedEntry*, protected by shared */

/* Called by isle_local_set_new_for_context(). */
void
_isle_shared_register (IsleLocalSet *island)
{
  IsleSharedEntry *existing = NULL;
  IsleSharedEntry *entry;

  G_LOCK (shared);
  if (shared_table == NULL)
    shared_table = g_hash_table_new (NULL, NULL);
  existing = g_hash_table_lookup (shared_table, island->context);
  if (existing == NULL)
    {
      entry = g_new0 (IsleSharedEntry, 1);
      entry->island = island;
      entry->remote = island->remote;
      g_hash_table_insert (shared_table, island->context, entry);
    }
  G_UNLOCK (shared);

  /* The new island still works, on its own; libraries will not see it. */
  if (existing != NULL)
    g_critical ("isle_local_set_new_for_context(): context %p already has "
                "island %p; a second island on one context is not shared "
                "with the libraries that use it. Call "
                "isle_local_set_ref_for_context() (or "
                "isle_local_set_ref_thread_default()) to share the "
                "context's island instead",
                (gpointer) island->context, (gpointer) existing->island);
}

/* Called first thing by the island's teardown, on its thread. */
void
_isle_shared_unregister (IsleLocalSet *island)
{
  IsleSharedEntry *entry = NULL;

  G_LOCK (shared);
  if (shared_table != NULL)
    {
      entry = g_hash_table_lookup (shared_table, island->context);
      if (entry != NULL && entry->island == island)
        g_hash_table_remove (shared_table, island->context);
      else
        entry = NULL;
    }
  G_UNLOCK (shared);

  if (entry == NULL)
    return;

  /* An operation in flight holds the island, so its linger is done and
   * nothing waits in the completion queue by now. */
  g_assert (entry->linger == NULL);
  if (entry->completions != NULL)
    {
      g_source_destroy (entry->completions);
      g_source_unref (entry->completions);
    }
  g_free (entry);
}

/* The registered island of @context, or NULL. Call it on the island's
 * thread: the entry is that thread's to use. */
IsleSharedEntry *
_isle_shared_lookup (GMainContext *context)
{
  IsleSharedEntry *entry = NULL;

  G_LOCK (shared);
  if (shared_table != NULL)
    entry = g_hash_table_lookup (shared_table, context);
  G_UNLOCK (shared);

  return entry;
}

IsleLocalSet *
_isle_shared_entry_get_island (IsleSharedEntry *entry)
{
  return entry->island;
}

GSource **
_isle_shared_entry_get_completions (IsleSharedEntry *entry)
{
  return &entry->completions;
}

/* From any thread: a reference to the remote part of @context's island,
 * and whether the calling thread is that island's. NULL if the context
 * has no island. */
IsleRemote *
_isle_shared_ref_remote (GMainContext *context,
                         gboolean     *on_owner_thread)
{
  IsleSharedEntry *entry;
  IsleRemote *remote = NULL;

  *on_owner_thread = FALSE;

  G_LOCK (shared);
  if (shared_table != NULL &&
      (entry = g_hash_table_lookup (shared_table, context)) != NULL)
    {
      remote = _isle_remote_ref (entry->remote);
      *on_owner_thread = _isle_local_set_is_owner_thread (entry->island);
    }
  G_UNLOCK (shared);

  return remote;
}

/* Finds or makes the island of @context on the calling thread. */
static IsleLocalSet *
ref_for_context (GMainContext *context,
                 const char   *function)
{
  IsleSharedEntry *entry = _isle_shared_lookup (context);

  if (entry == NULL)
    return isle_local_set_new_for_context (context);

  if (!_isle_local_set_is_owner_thread (entry->island))
    g_error ("%s() called on thread %s for context %p, whose island %p "
             "belongs to thread %s: an island is shared only on its own "
             "thread. Call it on the thread that iterates the context, or "
             "send the work there (isle_local_set_spawn_remote(), or an "
             "idle source attached to the context)",
             function, _isle_thread_describe_self (), (gpointer) context,
             (gpointer) entry->island, entry->island->owner.description);

  return isle_local_set_ref (entry->island);
}

/**
 * isle_local_set_ref_for_context:
 * @context: (nullable) (transfer none): a main context, or %NULL for the
 *   global default context
 *
 * Gets the island of @context, making it if the context has none yet:
 * the application and every library that calls this on one context get
 * the same island, whether it was made here or by
 * [ctor@Isle.LocalSet.new_for_context]. A library uses it to run its
 * GIO-style operations as Isle tasks without knowing whether the
 * application uses Isle at all.
 *
 * The island is owned by its references: the caller's, the application's
 * and every other library's, and one for each operation in flight on it
 * (see `isle_task_run_for_gtask()`), held until the operation has
 * completed its `GTask`. When an operation drops the last reference the
 * island stays until the context is next idle, so a chain of operations
 * reuses it; then it is freed, and the next call makes a new one. Keep a
 * reference for as long as the island's state (its debug flags, its
 * unhandled-failure policy) should last.
 *
 * Call it on the thread that iterates @context; the island belongs to
 * that thread. A call on another thread for a context whose island lives
 * elsewhere aborts with a message that names both threads.
 *
 * Returns: (transfer full): the context's island
 *
 * Since: 0.2
 */
IsleLocalSet *
isle_local_set_ref_for_context (GMainContext *context)
{
  if (context == NULL)
    context = g_main_context_default ();

  return ref_for_context (context, G_STRFUNC);
}

/**
 * isle_local_set_ref_thread_default:
 *
 * Gets the island of the calling thread's thread-default main context
 * (g_main_context_ref_thread_default()), making it if there is none: the
 * shared form of [ctor@Isle.LocalSet.new]. See
 * [func@Isle.LocalSet.ref_for_context] for who owns it and when it goes.
 *
 * Call it on the thread that iterates that context.
 *
 * Returns: (transfer full): the thread-default context's island
 *
 * Since: 0.2
 */
IsleLocalSet *
isle_local_set_ref_thread_default (void)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  return ref_for_context (context, G_STRFUNC);
}

static gboolean
linger_done (gpointer data)
{
  IsleLocalSet *island = data;
  IsleSharedEntry *entry = _isle_shared_lookup (island->context);

  g_assert (entry != NULL && entry->island == island);
  g_clear_pointer (&entry->linger, g_source_unref);
  isle_local_set_unref (island);

  return G_SOURCE_REMOVE;
}

/* Drops a reference an operation held, on the island's thread. If it may
 * be the last, the island is kept until the context is idle, so the next
 * operation of a chain (started from the callback of this one) finds it. */
void
_isle_shared_release (IsleLocalSet *island)
{
  IsleSharedEntry *entry;

  if (island->ref_count > 1 ||
      (entry = _isle_shared_lookup (island->context)) == NULL ||
      entry->island != island ||
      entry->linger != NULL)
    {
      isle_local_set_unref (island);
      return;
    }

  entry->linger = g_idle_source_new ();
  g_source_set_name (entry->linger, "[isle-shared-island-linger]");
  g_source_set_priority (entry->linger, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (entry->linger, linger_done, island, NULL);
  g_source_attach (entry->linger, island->context);
}
