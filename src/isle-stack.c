/* isle-stack.c: fiber stacks, carved from slabs behind guard pages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each stack is one region of an mmap'd slab: a guard region at the low end
 * and the usable stack above it. The IsleFiber headers live apart, in an
 * array that belongs to the slab, so that a frame that jumps a guard lands
 * in the next stack's frames at worst, never in a header the scheduler
 * trusts (the saved stack pointer above all).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gio/gio.h>

#include "isle-stack-private.h"
#include "isle-fiber-struct-private.h"
#include "isle-types.h"

/* The kernel's DEFAULT_MAX_MAP_COUNT, when /proc cannot tell. */
#define ISLE_KERNEL_DEFAULT_MAX_MAP_COUNT 65530

/* How many warm stacks an island keeps for reuse. Enough for bursts of
 * short tasks (spawn_seq reuses one); a pooled stack keeps the pages its
 * last task touched, so the pool is not larger. */
#define ISLE_STACK_POOL_MAX 32

/* The guard region below each stack. A frame larger than the guard that
 * starts near the end of the stack can skip it and write into the stack
 * below, without a fault; the compiler's -fstack-clash-protection, which
 * Isle and its examples are built with, touches every page of a large
 * frame in order, so that code built with it hits a guard of any size.
 * For code built without it (most of a distribution), 64 KiB catches
 * every frame up to 64 KiB wherever it starts, and a 300 KB buffer that
 * overruns the default 256 KiB stack by less than 64 KiB; that covers the
 * usual big locals (PATH_MAX and 64 KiB I/O buffers, snprintf() into a
 * large array). It costs no memory either way: with MADV_GUARD_INSTALL
 * the kernel keeps guard markers in the page tables (installing 16 of
 * them cost the same as one page, 3-5 us a stack here, while 1 MiB cost
 * 25 us), and an mprotect()ed guard is one mapping whatever its size.
 * What it does cost is address space: 64 KiB per stack, 2 GB for 30,000
 * fibers, which a 64-bit process does not miss. */
#define ISLE_STACK_GUARD_BYTES (64 * 1024)

static guint fail_next_allocations;

static gsize
page_size (void)
{
  static gsize size;

  if (G_UNLIKELY (size == 0))
    size = (gsize) sysconf (_SC_PAGESIZE);

  return size;
}

static gsize
round_stack_size (gsize stack_size)
{
  gsize page = page_size ();

  /* A stack must have room for a few frames whatever the caller asked
   * for. */
  if (stack_size < 4 * page)
    stack_size = 4 * page;

  return (stack_size + page - 1) & ~(page - 1);
}

void
_isle_stack_fail_next_allocations (guint n)
{
  fail_next_allocations = n;
}

/* Stacks are carved from slabs: one anonymous mapping holds several stacks,
 * each with a guard region below it. Where the kernel has lightweight guard
 * regions (MADV_GUARD_INSTALL, Linux 6.13), a guard costs no mapping of its
 * own, so a slab is one mapping whatever the number of stacks; elsewhere
 * each guard is an mprotect()ed page that splits the mapping. Mapping one
 * stack at a time cost three system calls per fiber with the mapping count
 * growing (about 24 µs a fiber with 30,000 alive); a slab costs one
 * madvise() per stack and one munmap() per slab. */

#ifndef MADV_GUARD_INSTALL
# define MADV_GUARD_INSTALL 102
#endif

/* Address space per slab: large enough to amortise the mapping, small
 * enough that one long-lived task does not pin much. */
#define ISLE_STACK_SLAB_BYTES (16 * 1024 * 1024)
/* Small stacks would put hundreds in a slab, and a slab is unmapped only
 * when all its stacks are free: 64 keeps the stacks one long-lived task
 * pins to a slab's worth at most without changing the mapping count much
 * (a slab is one mapping where guards are free). */
#define ISLE_STACK_SLAB_MAX_STACKS 64

/* With mprotect() guards every stack costs two mappings; stop this many
 * short of vm.max_map_count, so that malloc(), iconv, thread creation and
 * the rest of the program still have mappings to use when fibers have
 * taken theirs. The count is the process's, not only Isle's: a program
 * that holds 40,000 mappings of its own has that much less room. */
#define ISLE_STACK_MAP_COUNT_RESERVE 2048

/* Counting the process's mappings means reading /proc/self/maps, a line
 * per mapping: about 1 ms per 10,000 lines. So Isle counts its own guards,
 * and reads the real count again only when its guards since the last
 * count have taken half of the room that count left (a few reads on the
 * way to the limit, more as it nears), or when its estimate says there is
 * no room left, at most every ISLE_STACK_RECOUNT_USEC then, so that a
 * program that keeps spawning at the limit does not pay a read each time. */
#define ISLE_STACK_RECOUNT_USEC (50 * G_TIME_SPAN_MILLISECOND)

struct _IsleStackSlab
{
  IsleStackSlab *prev;       /* in the pool's list of slabs with room */
  IsleStackSlab *next;
  gboolean       has_room;
  guint8        *base;       /* (owned) */
  gsize          map_size;
  gsize          stride;     /* guard region + stack */
  IsleFiber     *fibers;     /* (owned) the headers, one per stack */
  guint          n_stacks;
  guint          n_carved;   /* stacks made so far, from the bottom up */
  guint          n_out;      /* carved stacks not in free_list */
  IsleFiber     *free_list;  /* carved stacks returned cold */
};

typedef enum
{
  GUARD_UNKNOWN,
  GUARD_MADVISE,
  GUARD_MPROTECT,
} GuardKind;

static GuardKind guard_kind = GUARD_UNKNOWN;   /* (atomic) */
static gint n_guard_mappings;                  /* (atomic) mprotect() guards alive */

void
_isle_stack_force_mprotect_guards (void)
{
  g_atomic_int_set (&guard_kind, GUARD_MPROTECT);
}

const char *
_isle_stack_get_guard_kind (void)
{
  switch (g_atomic_int_get (&guard_kind))
    {
    case GUARD_MADVISE:
      return "madvise";
    case GUARD_MPROTECT:
      return "mprotect";
    default:
      return "unknown";
    }
}

static gsize guard_mappings_limit_override;
static gsize map_count_limit_override;

void
_isle_stack_set_guard_mappings_limit (gsize limit)
{
  guard_mappings_limit_override = limit;
}

void
_isle_stack_set_map_count_limit (gsize limit)
{
  map_count_limit_override = limit;
}

/* How many mappings the whole process may hold before Isle stops making
 * guards: vm.max_map_count less the reserve. */
static gsize
map_count_budget (void)
{
  static gsize limit;
  gsize max_map_count;

  if (G_UNLIKELY (map_count_limit_override > 0))
    max_map_count = map_count_limit_override;
  else
    {
      if (g_once_init_enter (&limit))
        {
          g_autofree char *contents = NULL;
          gsize value = ISLE_KERNEL_DEFAULT_MAX_MAP_COUNT;

          if (g_file_get_contents ("/proc/sys/vm/max_map_count", &contents, NULL, NULL))
            value = g_ascii_strtoull (contents, NULL, 10);
          g_once_init_leave (&limit, MAX (value, 1));
        }
      max_map_count = limit;
    }

  return MAX (max_map_count, 2 * ISLE_STACK_MAP_COUNT_RESERVE) - ISLE_STACK_MAP_COUNT_RESERVE;
}

/* The accounting of mprotect() guards; protected by map_count_lock. */
static GMutex map_count_lock;
static gint64 counted_maps = -1;   /* the process's mappings at the last count; -1: none yet */
static gint64 counted_guards;      /* n_guard_mappings at that count */
static gint64 counted_at;          /* monotonic time of that count */
static char maps_buffer[8192];     /* not on the stack: this may run on a fiber's */

/* The number of mappings the process holds now, a line of /proc/self/maps
 * each; -1 where that cannot be read. */
static gint64
count_process_mappings (void)
{
  gint64 n_lines = 0;
  ssize_t n;
  int fd;

  fd = open ("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;

  while ((n = read (fd, maps_buffer, sizeof maps_buffer)) != 0)
    {
      const char *p = maps_buffer;
      const char *end;

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          close (fd);
          return -1;
        }
      end = maps_buffer + n;
      while ((p = memchr (p, '\n', (gsize) (end - p))) != NULL)
        {
          n_lines++;
          p++;
        }
    }

  close (fd);
  return n_lines;
}

/* Whether two more mappings (a guard splitting a slab) leave the reserve
 * free; called with map_count_lock held. */
static gboolean
have_room_for_guard (gint64 n_guards)
{
  gint64 budget = (gint64) map_count_budget ();
  gint64 room = counted_maps >= 0 ? budget - counted_maps : budget;
  gint64 estimate = counted_maps >= 0 ? counted_maps + (n_guards - counted_guards) : n_guards;
  gint64 now = g_get_monotonic_time ();
  gboolean recount;

  if (guard_mappings_limit_override > 0 &&
      n_guards + 2 > (gint64) guard_mappings_limit_override)
    return FALSE;

  if (counted_maps < 0)
    recount = TRUE;
  else if (estimate + 2 > budget)
    recount = n_guards < counted_guards ||
              now - counted_at >= ISLE_STACK_RECOUNT_USEC;
  else
    recount = 2 * (n_guards - counted_guards) >= room;

  if (recount)
    {
      gint64 n_maps = count_process_mappings ();

      if (n_maps >= 0)
        {
          counted_maps = n_maps;
          counted_guards = n_guards;
          counted_at = now;
          estimate = n_maps;
        }
    }

  return estimate + 2 <= budget;
}

static void
set_stack_error (GError     **error,
                 gsize        stack_size,
                 int          saved_errno,
                 const char  *what)
{
  g_set_error (error, ISLE_ERROR, ISLE_ERROR_NO_FIBER_STACK,
               "Could not %s a fiber stack of %" G_GSIZE_FORMAT " KiB: %s. "
               "Each live fiber task needs a stack with a guard page, and the "
               "kernel limits a process to vm.max_map_count mappings (about "
               "30,000 live fibers where guard pages take a mapping each); use "
               "poll tasks for very many tasks, or raise the limit",
               what, stack_size / 1024, g_strerror (saved_errno));
}

static gboolean
install_guard (guint8 *guard)
{
  gsize page = ISLE_STACK_GUARD_BYTES;
  GuardKind kind = g_atomic_int_get (&guard_kind);

  if (kind != GUARD_MPROTECT)
    {
      if (madvise (guard, page, MADV_GUARD_INSTALL) == 0)
        {
          g_atomic_int_set (&guard_kind, GUARD_MADVISE);
          return TRUE;
        }
      if (kind == GUARD_MADVISE || (errno != EINVAL && errno != ENOSYS))
        return FALSE;
      g_atomic_int_set (&guard_kind, GUARD_MPROTECT);
    }

  /* Each guard splits the slab's mapping: one more for the guard and one
   * for the stack above it. */
  g_mutex_lock (&map_count_lock);
  if (!have_room_for_guard (g_atomic_int_get (&n_guard_mappings)))
    {
      g_mutex_unlock (&map_count_lock);
      errno = ENOMEM;
      return FALSE;
    }

  if (mprotect (guard, page, PROT_NONE) != 0)
    {
      int saved_errno = errno;

      g_mutex_unlock (&map_count_lock);
      errno = saved_errno;
      return FALSE;
    }

  g_atomic_int_add (&n_guard_mappings, 2);
  g_mutex_unlock (&map_count_lock);
  return TRUE;
}

static void
slab_unlink (IsleStackPool *pool,
             IsleStackSlab *slab)
{
  if (!slab->has_room)
    return;

  if (slab->prev != NULL)
    slab->prev->next = slab->next;
  else
    pool->slabs_with_room = slab->next;
  if (slab->next != NULL)
    slab->next->prev = slab->prev;
  slab->prev = slab->next = NULL;
  slab->has_room = FALSE;
}

static void
slab_link (IsleStackPool *pool,
           IsleStackSlab *slab)
{
  if (slab->has_room)
    return;

  slab->prev = NULL;
  slab->next = pool->slabs_with_room;
  if (slab->next != NULL)
    slab->next->prev = slab;
  pool->slabs_with_room = slab;
  slab->has_room = TRUE;
}

static IsleStackSlab *
slab_new (gsize    stride,
          GError **error)
{
  IsleStackSlab *slab;
  guint n_stacks = CLAMP (ISLE_STACK_SLAB_BYTES / stride, 1, ISLE_STACK_SLAB_MAX_STACKS);
  gsize map_size = n_stacks * stride;
  guint8 *base;

  base = mmap (NULL, map_size, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
               -1, 0);
  if (base == MAP_FAILED)
    {
      set_stack_error (error, stride - ISLE_STACK_GUARD_BYTES, errno, "map");
      return NULL;
    }

  slab = g_new0 (IsleStackSlab, 1);
  slab->fibers = g_aligned_alloc0 (n_stacks, sizeof (IsleFiber), 64);
  slab->base = base;
  slab->map_size = map_size;
  slab->stride = stride;
  slab->n_stacks = n_stacks;

  return slab;
}

static void
slab_free (IsleStackSlab *slab)
{
  guint i;

  g_assert (slab->n_out == 0);

  for (i = 0; i < slab->n_carved; i++)
    {
      guint8 *stack_lo = slab->base + i * slab->stride + ISLE_STACK_GUARD_BYTES;
      IsleFiber *fiber = &slab->fibers[i];

#if HAVE_VALGRIND
      VALGRIND_STACK_DEREGISTER (fiber->valgrind_stack_id);
#endif
#ifdef ISLE_TSAN
      __tsan_destroy_fiber (fiber->tsan_fiber);
#endif
#ifdef ISLE_ASAN
      /* Frames that never returned (a fiber's last switch out) leave their
       * redzones poisoned; whatever is mapped here next must not inherit
       * them. */
      ASAN_UNPOISON_MEMORY_REGION (stack_lo, fiber->stack_size);
#endif
      (void) stack_lo;
      (void) fiber;
    }

  if (g_atomic_int_get (&guard_kind) == GUARD_MPROTECT)
    g_atomic_int_add (&n_guard_mappings, -2 * (int) slab->n_carved);

  munmap (slab->base, slab->map_size);
  g_aligned_free (slab->fibers);
  g_free (slab);
}

/* Makes the slab's next stack, the first time it is needed: stacks are
 * carved one at a time rather than when the slab is mapped, so that a
 * guard (and, with mprotect() guards, its two mappings) is paid for only
 * by a stack that is used. */
static IsleFiber *
slab_carve (IsleStackSlab  *slab,
            GError        **error)
{
  guint8 *region = slab->base + slab->n_carved * slab->stride;
  IsleFiber *fiber;

  if (!install_guard (region))
    {
      set_stack_error (error, slab->stride - ISLE_STACK_GUARD_BYTES, errno, "guard");
      return NULL;
    }

  /* The header is not on the stack: an overflow of the stack above this
   * one cannot reach it. */
  fiber = &slab->fibers[slab->n_carved];
  fiber->slab = slab;
  fiber->stack_lo = region + ISLE_STACK_GUARD_BYTES;
  fiber->stack_size = slab->stride - ISLE_STACK_GUARD_BYTES;
#if HAVE_VALGRIND
  fiber->valgrind_stack_id = VALGRIND_STACK_REGISTER (fiber->stack_lo,
                                                      fiber->stack_lo + fiber->stack_size);
#endif
#ifdef ISLE_TSAN
  fiber->tsan_fiber = __tsan_create_fiber (0);
#endif

  slab->n_carved++;
  return fiber;
}

void
_isle_stack_pool_init (IsleStackPool *pool)
{
  memset (pool, 0, sizeof *pool);
}

/* Gives a stack back to its slab, unmapping the slab once all of its
 * stacks are back. */
static void
pool_return_cold (IsleStackPool *pool,
                  IsleFiber     *fiber)
{
  IsleStackSlab *slab = fiber->slab;

#ifdef ISLE_ASAN
  ASAN_UNPOISON_MEMORY_REGION (fiber->stack_lo, fiber->stack_size);
#endif

  fiber->pool_next = slab->free_list;
  slab->free_list = fiber;
  slab->n_out--;

  if (slab->n_out == 0)
    {
      slab_unlink (pool, slab);
      pool->n_slabs--;
      slab_free (slab);
    }
  else
    slab_link (pool, slab);
}

void
_isle_stack_pool_clear (IsleStackPool *pool)
{
  while (pool->warm != NULL)
    {
      IsleFiber *fiber = pool->warm;

      pool->warm = fiber->pool_next;
      pool->n_warm--;
      pool_return_cold (pool, fiber);
    }

  /* Every fiber has come back: its tasks have all finished. */
  g_assert (pool->n_slabs == 0);
  g_assert (pool->slabs_with_room == NULL);
}

IsleFiber *
_isle_stack_pool_acquire (IsleStackPool  *pool,
                          gsize           stack_size,
                          GError        **error)
{
  gsize stride = round_stack_size (stack_size) + ISLE_STACK_GUARD_BYTES;
  IsleStackSlab *slab;
  IsleFiber **link;
  IsleFiber *fiber;

  if (G_UNLIKELY (fail_next_allocations > 0))
    {
      fail_next_allocations--;
      set_stack_error (error, stride - ISLE_STACK_GUARD_BYTES, ENOMEM, "map");
      return NULL;
    }

  for (link = &pool->warm; *link != NULL; link = &(*link)->pool_next)
    {
      fiber = *link;
      if (fiber->slab->stride == stride)
        {
          *link = fiber->pool_next;
          fiber->pool_next = NULL;
          pool->n_warm--;
          return fiber;
        }
    }

  for (slab = pool->slabs_with_room; slab != NULL; slab = slab->next)
    if (slab->stride == stride)
      break;

  if (slab == NULL)
    {
      slab = slab_new (stride, error);
      if (slab == NULL)
        return NULL;
      pool->n_slabs++;
      slab_link (pool, slab);
    }

  if (slab->free_list != NULL)
    {
      fiber = slab->free_list;
      slab->free_list = fiber->pool_next;
      fiber->pool_next = NULL;
    }
  else
    {
      fiber = slab_carve (slab, error);
      if (fiber == NULL)
        {
          if (slab->n_out == 0 && slab->n_carved == 0)
            {
              slab_unlink (pool, slab);
              pool->n_slabs--;
              slab_free (slab);
            }
          return NULL;
        }
    }

  slab->n_out++;
  if (slab->free_list == NULL && slab->n_carved == slab->n_stacks)
    slab_unlink (pool, slab);

  return fiber;
}

void
_isle_stack_pool_release (IsleStackPool *pool,
                          IsleFiber     *fiber)
{
  g_assert (fiber->done);

  if (pool->n_warm >= ISLE_STACK_POOL_MAX)
    {
      pool_return_cold (pool, fiber);
      return;
    }

#ifdef ISLE_ASAN
  ASAN_UNPOISON_MEMORY_REGION (fiber->stack_lo, fiber->stack_size);
#endif

  fiber->pool_next = pool->warm;
  pool->warm = fiber;
  pool->n_warm++;
}

/* Whether @address lies in the guard region below the fiber's stack; safe
 * in a signal handler. */
gboolean
_isle_stack_guard_contains (IsleFiber     *fiber,
                            gconstpointer  address)
{
  const guint8 *p = address;

  return p >= fiber->stack_lo - ISLE_STACK_GUARD_BYTES && p < fiber->stack_lo;
}
