/* isle-task-arena.c: where task records live
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each island allocates its task records from an arena of its own: chunks
 * of equal slots, with a free list used without locks on the island's
 * thread. Compared with malloc() it saves the allocator's work (15% of
 * spawning and joining a poll task) and, once an island holds more tasks
 * than one chunk, backs the next chunks with transparent huge pages: a
 * page fault costs about 2.7 µs on the virtual machines Isle is measured
 * on, and a record in fresh memory used to cost a quarter of a page fault.
 *
 * A record may be freed on any thread (its last reference may be a waker)
 * and after its island is gone (a handle may outlive it). Those frees go
 * through a locked list; an arena whose island has closed it lives on
 * until its last record comes back.
 *
 * The same arenas hold an island's timer records, and, in a shared arena
 * where every thread allocates and frees under the lock, the records of
 * remote spawns, which any thread makes: from the allocator, a burst of
 * them on a fresh thread paid an mprotect() and a page fault every few
 * records as the thread's heap grew.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "isle-task-arena-private.h"
#include "isle-thread-private.h"

#include "isle-sanitizers-private.h"

/* A chunk is 2 MiB, aligned to its size so a record finds its chunk (and
 * so its arena) by masking its address. The first chunk of an arena is
 * backed by ordinary pages, so a small island costs only the pages it
 * touches, and only its first FIRST_CHUNK_USE bytes are used (a couple of
 * thousand tasks); later chunks are offered to the kernel as huge pages.
 * On the virtual machines Isle is measured on, an ordinary page costs a
 * fault of 3 to 15 µs, and a huge page one fault of 0.1 to 0.2 ms for 512
 * times the memory: filling the whole first chunk page by page cost a
 * large island 7 ms of faults that huge pages do in 0.2. */
#define CHUNK_SIZE ((gsize) 2 * 1024 * 1024)
#define FIRST_CHUNK_USE ((gsize) 256 * 1024)

typedef struct _IsleTaskChunk IsleTaskChunk;

struct _IsleTaskChunk
{
  IsleTaskArena *arena;   /* (unowned) */
  IsleTaskChunk *next;    /* (owned) */
};

struct _IsleTaskArena
{
  guint64          owner;          /* the owner thread's serial */
  gpointer         data;           /* (owned) lives as long as any record */
  GDestroyNotify   data_destroy;
  gsize            record_size;
  gsize            header_size;    /* the chunk header, rounded to a slot */

  /* Owner thread only. */
  gpointer         free_list;      /* linked through each record's first word */
  guint8          *bump;
  guint8          *bump_end;
  IsleTaskChunk   *chunks;         /* (owned) */
  gsize            n_out;          /* records handed out and not freed here;
                                    * protected by lock once closed */

  GMutex           lock;
  int              has_remote;     /* (atomic) remote_free is not empty */
  gpointer         remote_free;    /* protected by lock */
  gsize            n_remote_freed; /* protected by lock */
  gboolean         closed;         /* protected by lock; set by the owner */
  gboolean         shared;         /* every thread allocates and frees under lock */
};

IsleTaskArena *
_isle_task_arena_new (gsize          record_size,
                      gpointer       data,
                      GDestroyNotify data_destroy)
{
  IsleTaskArena *arena = g_new0 (IsleTaskArena, 1);

  arena->owner = _isle_thread_get_serial ();
  arena->data = data;
  arena->data_destroy = data_destroy;
  arena->record_size = (record_size + 15) & ~(gsize) 15;
  arena->header_size = ((sizeof (IsleTaskChunk) + arena->record_size - 1) /
                        arena->record_size) * arena->record_size;
  g_mutex_init (&arena->lock);

  return arena;
}

/* An arena that any thread allocates from, everything under its lock;
 * the thread that makes it closes it. */
IsleTaskArena *
_isle_task_arena_new_shared (gsize          record_size,
                             gpointer       data,
                             GDestroyNotify data_destroy)
{
  IsleTaskArena *arena = _isle_task_arena_new (record_size, data, data_destroy);

  arena->shared = TRUE;
  return arena;
}

static gboolean
chunk_new (IsleTaskArena *arena)
{
  IsleTaskChunk *chunk;
  guint8 *map;
  guint8 *aligned;
  gsize head;

  /* Map twice the size and trim, to get an aligned chunk. */
  map = mmap (NULL, 2 * CHUNK_SIZE, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map == MAP_FAILED)
    return FALSE;

  aligned = (guint8 *) (((guintptr) map + CHUNK_SIZE - 1) & ~(guintptr) (CHUNK_SIZE - 1));
  head = (gsize) (aligned - map);
  if (head > 0)
    munmap (map, head);
  munmap (aligned + CHUNK_SIZE, CHUNK_SIZE - head);

#ifdef MADV_HUGEPAGE
  if (arena->chunks != NULL)
    madvise (aligned, CHUNK_SIZE, MADV_HUGEPAGE);
#endif

  chunk = (IsleTaskChunk *) aligned;
  chunk->arena = arena;
  chunk->next = arena->chunks;
  arena->chunks = chunk;

  arena->bump = aligned + arena->header_size;
  arena->bump_end = aligned + (chunk->next == NULL ? FIRST_CHUNK_USE : CHUNK_SIZE) -
                    arena->record_size + 1;

#ifdef ISLE_ASAN
  ASAN_POISON_MEMORY_REGION (arena->bump, CHUNK_SIZE - arena->header_size);
#endif

  return TRUE;
}

static void
arena_destroy (IsleTaskArena *arena)
{
  while (arena->chunks != NULL)
    {
      IsleTaskChunk *chunk = arena->chunks;

      arena->chunks = chunk->next;
#ifdef ISLE_ASAN
      ASAN_UNPOISON_MEMORY_REGION (chunk, CHUNK_SIZE);
#endif
      munmap (chunk, CHUNK_SIZE);
    }

  if (arena->data_destroy != NULL)
    arena->data_destroy (arena->data);
  g_mutex_clear (&arena->lock);
  g_free (arena);
}

static inline IsleTaskArena *
arena_of (gpointer record)
{
  return ((IsleTaskChunk *) ((guintptr) record & ~(guintptr) (CHUNK_SIZE - 1)))->arena;
}

/* The arena's data outlives every record, so any thread holding a record
 * may use it. */
gpointer
_isle_task_arena_get_data (gpointer record)
{
  return arena_of (record)->data;
}

static inline gpointer
pop (gpointer *list)
{
  gpointer record = *list;

  if (record != NULL)
    *list = *(gpointer *) record;
  return record;
}

static gpointer
bump (IsleTaskArena *arena)
{
  gpointer record;

  if (arena->bump == NULL || arena->bump >= arena->bump_end)
    {
      if (!chunk_new (arena))
        g_error ("Could not map memory for task records: %s",
                 g_strerror (errno));
    }
  record = arena->bump;
  arena->bump += arena->record_size;
  return record;
}

/* A record from the bump pointer is fresh memory, zero already: clearing
 * it again would write every line of it twice, the first time in the
 * page fault's wake. */
static gpointer
hand_out (IsleTaskArena *arena,
          gpointer       record,
          gboolean       fresh)
{
#ifdef ISLE_ASAN
  ASAN_UNPOISON_MEMORY_REGION (record, arena->record_size);
#endif
#if HAVE_VALGRIND
  VALGRIND_MALLOCLIKE_BLOCK (record, arena->record_size, 0, fresh);
#endif
  if (!fresh)
    memset (record, 0, arena->record_size);

  return record;
}

/* Returns a zeroed record from a shared arena. Any thread, until the
 * arena is closed. */
gpointer
_isle_task_arena_alloc_shared (IsleTaskArena *arena)
{
  gpointer record;
  gboolean fresh;

  g_assert (arena->shared);

  g_mutex_lock (&arena->lock);
  g_assert (!arena->closed);
  record = pop (&arena->free_list);
  fresh = record == NULL;
  if (fresh)
    record = bump (arena);
  arena->n_out++;
  g_mutex_unlock (&arena->lock);

  return hand_out (arena, record, fresh);
}

/* Returns a zeroed record. Call on the arena's thread. */
gpointer
_isle_task_arena_alloc (IsleTaskArena *arena)
{
  gpointer record;
  gboolean fresh;

  g_assert (arena->owner == _isle_thread_peek_serial ());
  g_assert (!arena->shared);

  record = pop (&arena->free_list);

  if (G_UNLIKELY (record == NULL && g_atomic_int_get (&arena->has_remote)))
    {
      g_mutex_lock (&arena->lock);
      arena->free_list = g_steal_pointer (&arena->remote_free);
      arena->n_out -= arena->n_remote_freed;
      arena->n_remote_freed = 0;
      g_atomic_int_set (&arena->has_remote, 0);
      g_mutex_unlock (&arena->lock);
      record = pop (&arena->free_list);
    }

  fresh = record == NULL;
  if (fresh)
    record = bump (arena);

  arena->n_out++;

  return hand_out (arena, record, fresh);
}

static void
release (IsleTaskArena *arena,
         gpointer       record,
         gpointer      *list)
{
#if HAVE_VALGRIND
  VALGRIND_FREELIKE_BLOCK (record, 0);
  VALGRIND_MAKE_MEM_UNDEFINED (record, sizeof (gpointer));
#endif
  *(gpointer *) record = *list;
  *list = record;
#ifdef ISLE_ASAN
  ASAN_POISON_MEMORY_REGION ((guint8 *) record + sizeof (gpointer),
                             arena->record_size - sizeof (gpointer));
#endif
}

/* Safe to call on any thread. */
void
_isle_task_arena_free (gpointer record)
{
  IsleTaskArena *arena = arena_of (record);
  gboolean last = FALSE;

  if (arena->shared)
    {
      g_mutex_lock (&arena->lock);
      release (arena, record, &arena->free_list);
      last = --arena->n_out == 0 && arena->closed;
      g_mutex_unlock (&arena->lock);
      if (last)
        arena_destroy (arena);
      return;
    }

  /* The owner reads closed without the lock: it is the one who sets it. */
  if (arena->owner == _isle_thread_peek_serial () && !arena->closed)
    {
      release (arena, record, &arena->free_list);
      arena->n_out--;
      return;
    }

  g_mutex_lock (&arena->lock);
  if (!arena->closed)
    {
      release (arena, record, &arena->remote_free);
      arena->n_remote_freed++;
      g_atomic_int_set (&arena->has_remote, 1);
    }
  else
    {
      release (arena, record, &arena->free_list);
      last = --arena->n_out == 0;
    }
  g_mutex_unlock (&arena->lock);

  if (last)
    arena_destroy (arena);
}

/* The island is gone: the arena goes when its last record does. Call on
 * the arena's thread. */
void
_isle_task_arena_close (IsleTaskArena *arena)
{
  gboolean last;

  g_assert (arena->owner == _isle_thread_peek_serial ());

  g_mutex_lock (&arena->lock);
  arena->closed = TRUE;
  arena->n_out -= arena->n_remote_freed;
  arena->n_remote_freed = 0;
  last = arena->n_out == 0;
  g_mutex_unlock (&arena->lock);

  if (last)
    arena_destroy (arena);
}
