/* isle-fiber.c: stacks of their own and switching between them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A fiber is a stack and a saved stack pointer. Switching saves the
 * callee-saved registers on the current stack, swaps stack pointers and
 * restores the registers from the other stack: a handful of instructions
 * and no system call (swapcontext() changes the signal mask on every switch
 * and costs about 800 ns a round trip). Unlike setjmp/longjmp tricks this is
 * not disturbed by -D_FORTIFY_SOURCE, which checks longjmp targets.
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

#include "isle-fiber-private.h"
#include "isle-types.h"

#include "isle-sanitizers-private.h"

#if defined(ISLE_FIBER_FORCE_UCONTEXT)
# define ISLE_FIBER_UCONTEXT 1
#elif defined(__x86_64__) && !defined(_WIN32)
# define ISLE_FIBER_ASM_X86_64 1
#elif defined(__aarch64__) && !defined(_WIN32)
# define ISLE_FIBER_ASM_AARCH64 1
#elif HAVE_UCONTEXT_H
# define ISLE_FIBER_UCONTEXT 1
#else
# error "Isle has no fiber switch for this platform"
#endif

#ifdef ISLE_FIBER_UCONTEXT
# include <ucontext.h>
#endif

/* The shape of a suspended fiber's stack, shared by the switches below and
 * _isle_fiber_start(), which builds the first frame a switch pops. */

/* Both ABIs want the stack pointer 16-byte aligned at a call. */
#define ISLE_FIBER_STACK_ALIGN 16
/* x86-64: the switch pushes rbp, rbx and r12-r15, and a call left the
 * return address below them: seven words. */
#define ISLE_FIBER_X86_64_FRAME_WORDS 7
/* AArch64: x19-x28, x29 and x30 (the link register, slot 11), and d8-d15:
 * 20 registers of 8 bytes. */
#define ISLE_FIBER_AARCH64_FRAME_BYTES 160
#define ISLE_FIBER_AARCH64_LR_SLOT 11
/* ucontext: room left above the stack's top, as the switches leave
 * ISLE_FIBER_STACK_ALIGN and more for makecontext()'s own frame. */
#define ISLE_FIBER_UCONTEXT_HEADROOM 64
/* The kernel's DEFAULT_MAX_MAP_COUNT, when /proc cannot tell. */
#define ISLE_KERNEL_DEFAULT_MAX_MAP_COUNT 65530

/* How many warm stacks an island keeps for reuse. Enough for bursts of
 * short tasks (spawn_seq reuses one); a pooled stack keeps the pages its
 * last task touched, so the pool is not larger. */
#define ISLE_FIBER_POOL_MAX 32

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
#define ISLE_FIBER_GUARD_BYTES (64 * 1024)

typedef struct _IsleFiberSlab IsleFiberSlab;

/* A fiber and its stack. Every field belongs to the thread of the island
 * that holds the fiber (its pool, or the task running on it): fibers never
 * cross threads, so nothing here is locked or atomic. The header lives in
 * its slab's array, off the stack, where no overflow can reach it. */
struct _IsleFiber
{
  /* Saved stack pointers: the fiber's while it is suspended, and the
   * scheduler's (whoever resumed it) while it runs. */
  void          *sp;
  void          *return_sp;

  IsleFiberFunc  func;        /* set by _isle_fiber_start(), each use */
  gpointer       data;        /* (unowned) func's argument */

  /* Fixed when the slab is carved: */
  IsleFiberSlab *slab;        /* (unowned) the mapping this stack is carved from */
  guint8        *stack_lo;    /* lowest usable address, above the guard */
  gsize          stack_size;  /* usable bytes, up to the next stack's guard */

  IsleFiber     *pool_next;   /* (unowned) (nullable) in the warm pool or its
                               * slab's free list; NULL while in use */
  gboolean       done;        /* func has returned */

#if HAVE_VALGRIND
  unsigned       valgrind_stack_id;
#endif
#ifdef ISLE_ASAN
  const void    *return_stack_lo;
  gsize          return_stack_size;
  gboolean       handed_off;
#endif
#ifdef ISLE_TSAN
  void          *tsan_fiber;        /* ThreadSanitizer's state for this stack */
  void          *tsan_return_fiber; /* and for the one it returns to */
#endif
#ifdef ISLE_FIBER_UCONTEXT
  ucontext_t     context;
  ucontext_t     return_context;
#endif
};

static guint fail_next_allocations;

static gsize
page_size (void)
{
  static gsize size;

  if (G_UNLIKELY (size == 0))
    size = (gsize) sysconf (_SC_PAGESIZE);

  return size;
}

gsize
_isle_fiber_round_stack_size (gsize stack_size)
{
  gsize page = page_size ();

  /* A stack must have room for a few frames whatever the caller asked
   * for. */
  if (stack_size < 4 * page)
    stack_size = 4 * page;

  return (stack_size + page - 1) & ~(page - 1);
}

void
_isle_fiber_fail_next_allocations (guint n)
{
  fail_next_allocations = n;
}

/* Switching ---------------------------------------------------------------- */

#if defined(ISLE_FIBER_ASM_X86_64)

/* isle_fiber_swap (void **save_sp, void *load_sp): push the callee-saved
 * registers, store the stack pointer in *save_sp, load load_sp and pop the
 * same set from there.
 *
 * The SSE and x87 control words (rounding, exception masks) are not
 * switched: fibers share the thread's floating-point environment, as the
 * GLib callbacks dispatched on that thread do. Saving and comparing them
 * cost a third of a switch. */
void isle_fiber_swap (void **save_sp, void *load_sp);
void isle_fiber_trampoline (void);

__asm__ (
  ".text\n"
  ".globl isle_fiber_swap\n"
  ".hidden isle_fiber_swap\n"
  ".type isle_fiber_swap,@function\n"
  ".p2align 4\n"
  "isle_fiber_swap:\n"
  "  .cfi_startproc\n"
  "  pushq %rbp\n"
  "  pushq %rbx\n"
  "  pushq %r12\n"
  "  pushq %r13\n"
  "  pushq %r14\n"
  "  pushq %r15\n"
  "  movq %rsp, (%rdi)\n"
  "  movq %rsi, %rsp\n"
  "  popq %r15\n"
  "  popq %r14\n"
  "  popq %r13\n"
  "  popq %r12\n"
  "  popq %rbx\n"
  "  popq %rbp\n"
  "  ret\n"
  "  .cfi_endproc\n"
  ".size isle_fiber_swap,.-isle_fiber_swap\n"

  /* A new fiber's first switch returns here with the fiber in %r12. The
   * undefined return address ends backtraces at the fiber's entry. */
  ".globl isle_fiber_trampoline\n"
  ".hidden isle_fiber_trampoline\n"
  ".type isle_fiber_trampoline,@function\n"
  ".p2align 4\n"
  "isle_fiber_trampoline:\n"
  "  .cfi_startproc\n"
  "  .cfi_undefined rip\n"
  "  movq %r12, %rdi\n"
  "  call isle_fiber_entry\n"
  "  ud2\n"
  "  .cfi_endproc\n"
  ".size isle_fiber_trampoline,.-isle_fiber_trampoline\n"
);

#elif defined(ISLE_FIBER_ASM_AARCH64)

void isle_fiber_swap (void **save_sp, void *load_sp);
void isle_fiber_trampoline (void);

/* The AAPCS64 callee-saved set: x19-x28, the frame pointer x29, the link
 * register x30 (where ret goes) and the low halves of v8-v15. */
__asm__ (
  ".text\n"
  ".globl isle_fiber_swap\n"
  ".hidden isle_fiber_swap\n"
  ".type isle_fiber_swap,%function\n"
  ".p2align 4\n"
  "isle_fiber_swap:\n"
  "  sub sp, sp, #" G_STRINGIFY (ISLE_FIBER_AARCH64_FRAME_BYTES) "\n"
  "  stp x19, x20, [sp, #0]\n"
  "  stp x21, x22, [sp, #16]\n"
  "  stp x23, x24, [sp, #32]\n"
  "  stp x25, x26, [sp, #48]\n"
  "  stp x27, x28, [sp, #64]\n"
  "  stp x29, x30, [sp, #80]\n"
  "  stp d8, d9, [sp, #96]\n"
  "  stp d10, d11, [sp, #112]\n"
  "  stp d12, d13, [sp, #128]\n"
  "  stp d14, d15, [sp, #144]\n"
  "  mov x2, sp\n"
  "  str x2, [x0]\n"
  "  mov sp, x1\n"
  "  ldp x19, x20, [sp, #0]\n"
  "  ldp x21, x22, [sp, #16]\n"
  "  ldp x23, x24, [sp, #32]\n"
  "  ldp x25, x26, [sp, #48]\n"
  "  ldp x27, x28, [sp, #64]\n"
  "  ldp x29, x30, [sp, #80]\n"
  "  ldp d8, d9, [sp, #96]\n"
  "  ldp d10, d11, [sp, #112]\n"
  "  ldp d12, d13, [sp, #128]\n"
  "  ldp d14, d15, [sp, #144]\n"
  "  add sp, sp, #" G_STRINGIFY (ISLE_FIBER_AARCH64_FRAME_BYTES) "\n"
  "  ret\n"
  ".size isle_fiber_swap,.-isle_fiber_swap\n"

  ".globl isle_fiber_trampoline\n"
  ".hidden isle_fiber_trampoline\n"
  ".type isle_fiber_trampoline,%function\n"
  ".p2align 4\n"
  "isle_fiber_trampoline:\n"
  "  mov x29, xzr\n"
  "  mov x0, x19\n"
  "  bl isle_fiber_entry\n"
  "  brk #0\n"
  ".size isle_fiber_trampoline,.-isle_fiber_trampoline\n"
);

#endif

/* AddressSanitizer must be told about every switch, or it takes the fiber's
 * frames for overflows of the thread's stack. */
static inline void
asan_start_switch (void      **fake_stack_save,
                   const void *bottom,
                   gsize       size)
{
#ifdef ISLE_ASAN
  __sanitizer_start_switch_fiber (fake_stack_save, bottom, size);
#endif
}

static inline void
asan_finish_switch (void        *fake_stack_save,
                    const void **bottom_old,
                    gsize       *size_old)
{
#ifdef ISLE_ASAN
  __sanitizer_finish_switch_fiber (fake_stack_save, bottom_old, size_old);
#endif
}

/* ThreadSanitizer: a switch to a fiber notes where it returns to; the
 * flags of 0 make each switch a synchronisation point, which it is: the
 * two stacks run one after the other on one thread. */
static inline void
tsan_switch_in (IsleFiber *fiber)
{
#ifdef ISLE_TSAN
  fiber->tsan_return_fiber = __tsan_get_current_fiber ();
  __tsan_switch_to_fiber (fiber->tsan_fiber, 0);
#endif
}

static inline void
tsan_switch_out (IsleFiber *fiber)
{
#ifdef ISLE_TSAN
  __tsan_switch_to_fiber (fiber->tsan_return_fiber, 0);
#endif
}

static inline void landed (IsleFiber *fiber,
                           void      *fake_stack);

/* Referenced from the trampoline's assembly, hence not static. */
G_GNUC_NORETURN __attribute__((used)) void isle_fiber_entry (IsleFiber *fiber);

G_GNUC_NORETURN void
isle_fiber_entry (IsleFiber *fiber)
{
  landed (fiber, NULL);

  fiber->func (fiber->data);
  fiber->done = TRUE;

  /* The last switch out: NULL tells AddressSanitizer this stack's frames
   * are gone for good. Nothing resumes this context; a restarted fiber
   * gets a fresh one from _isle_fiber_start(). */
#ifdef ISLE_ASAN
  asan_start_switch (NULL, fiber->return_stack_lo, fiber->return_stack_size);
#endif
  tsan_switch_out (fiber);
#if defined(ISLE_FIBER_UCONTEXT)
  setcontext (&fiber->return_context);
#else
  isle_fiber_swap (&fiber->sp, fiber->return_sp);
#endif
  g_assert_not_reached ();
}

#ifdef ISLE_FIBER_UCONTEXT
static void
ucontext_entry (unsigned hi,
                unsigned lo)
{
  isle_fiber_entry ((IsleFiber *) (((guintptr) hi << 32) | (guintptr) lo));
}
#endif

void
_isle_fiber_start (IsleFiber     *fiber,
                   IsleFiberFunc  func,
                   gpointer       data)
{
  fiber->func = func;
  fiber->data = data;
  fiber->done = FALSE;

#if defined(ISLE_FIBER_ASM_X86_64)
  {
    /* After the first swap pops this frame and returns into the
     * trampoline, %rsp is 16-byte aligned, as the call it makes needs:
     * the frame is what the switch saves, six callee-saved registers and
     * the return address (ISLE_FIBER_X86_64_FRAME_WORDS), below a top
     * kept 16 bytes under the stack's end and 16-byte aligned. */
    guintptr top = ((guintptr) (fiber->stack_lo + fiber->stack_size) - ISLE_FIBER_STACK_ALIGN) &
                   ~(guintptr) (ISLE_FIBER_STACK_ALIGN - 1);
    guint64 *frame = (guint64 *) (top - ISLE_FIBER_X86_64_FRAME_WORDS * sizeof (guint64));

    frame[0] = 0;                   /* r15 */
    frame[1] = 0;                   /* r14 */
    frame[2] = 0;                   /* r13 */
    frame[3] = (guintptr) fiber;    /* r12: the trampoline's argument */
    frame[4] = 0;                   /* rbx */
    frame[5] = 0;                   /* rbp */
    frame[6] = (guintptr) isle_fiber_trampoline;
    fiber->sp = frame;
  }
#elif defined(ISLE_FIBER_ASM_AARCH64)
  {
    guintptr top = ((guintptr) (fiber->stack_lo + fiber->stack_size) - ISLE_FIBER_STACK_ALIGN) &
                   ~(guintptr) (ISLE_FIBER_STACK_ALIGN - 1);
    guint64 *frame = (guint64 *) (top - ISLE_FIBER_AARCH64_FRAME_BYTES);

    memset (frame, 0, ISLE_FIBER_AARCH64_FRAME_BYTES);
    frame[0] = (guintptr) fiber;                                      /* x19 */
    frame[ISLE_FIBER_AARCH64_LR_SLOT] = (guintptr) isle_fiber_trampoline; /* x30 */
    fiber->sp = frame;
  }
#else
  getcontext (&fiber->context);
  fiber->context.uc_stack.ss_sp = fiber->stack_lo;
  /* Headroom above the stack's top, as the assembly switches keep. */
  fiber->context.uc_stack.ss_size = fiber->stack_size - ISLE_FIBER_UCONTEXT_HEADROOM;
  fiber->context.uc_link = NULL;
  makecontext (&fiber->context, (void (*) (void)) ucontext_entry, 2,
               (unsigned) ((guintptr) fiber >> 32),
               (unsigned) ((guintptr) fiber & 0xffffffffu));
#endif
}

/* Called on a fiber's stack right after it was switched to. The stack it
 * returns to when it suspends is the scheduler's that resumed it, or, after
 * a hand-off, the one the handing fiber would have returned to. */
static inline void
landed (IsleFiber *fiber,
        void      *fake_stack)
{
#ifdef ISLE_ASAN
  const void *from_lo;
  gsize from_size;

  asan_finish_switch (fake_stack, &from_lo, &from_size);
  if (fiber->handed_off)
    fiber->handed_off = FALSE;
  else
    {
      fiber->return_stack_lo = from_lo;
      fiber->return_stack_size = from_size;
    }
#else
  asan_finish_switch (fake_stack, NULL, NULL);
#endif
}

void
_isle_fiber_resume (IsleFiber *fiber)
{
  void *fake_stack = NULL;

  g_assert (!fiber->done);

  asan_start_switch (&fake_stack, fiber->stack_lo, fiber->stack_size);
  tsan_switch_in (fiber);
#if defined(ISLE_FIBER_UCONTEXT)
  swapcontext (&fiber->return_context, &fiber->context);
#else
  isle_fiber_swap (&fiber->return_sp, fiber->sp);
#endif
  asan_finish_switch (fake_stack, NULL, NULL);
}

void
_isle_fiber_suspend (IsleFiber *fiber)
{
  void *fake_stack = NULL;

#ifdef ISLE_ASAN
  asan_start_switch (&fake_stack, fiber->return_stack_lo, fiber->return_stack_size);
#endif
  tsan_switch_out (fiber);
#if defined(ISLE_FIBER_UCONTEXT)
  swapcontext (&fiber->context, &fiber->return_context);
#else
  isle_fiber_swap (&fiber->sp, fiber->return_sp);
#endif
  landed (fiber, fake_stack);
}

gboolean
_isle_fiber_can_hand_off (void)
{
#if defined(ISLE_FIBER_UCONTEXT)
  /* A ucontext_t points into itself and cannot be handed on by copying. */
  return FALSE;
#else
  return TRUE;
#endif
}

void
_isle_fiber_hand_off (IsleFiber *from,
                      IsleFiber *to)
{
#if defined(ISLE_FIBER_UCONTEXT)
  g_assert_not_reached ();
#else
  void *fake_stack = NULL;

  g_assert (!to->done);

  /* @to will return where @from would have: to the scheduler. */
  to->return_sp = from->return_sp;
# ifdef ISLE_ASAN
  to->return_stack_lo = from->return_stack_lo;
  to->return_stack_size = from->return_stack_size;
  to->handed_off = TRUE;
# endif
# ifdef ISLE_TSAN
  to->tsan_return_fiber = from->tsan_return_fiber;
  __tsan_switch_to_fiber (to->tsan_fiber, 0);
# endif

  asan_start_switch (&fake_stack, to->stack_lo, to->stack_size);
  isle_fiber_swap (&from->sp, to->sp);
  landed (from, fake_stack);
#endif
}

gboolean
_isle_fiber_is_done (IsleFiber *fiber)
{
  return fiber->done;
}

/* The size the stack was asked for, rounded to pages. */
gsize
_isle_fiber_get_stack_size (IsleFiber *fiber)
{
  return fiber->stack_size;
}

/* Whether @address lies in the guard region below the fiber's stack; safe
 * in a signal handler. */
gboolean
_isle_fiber_guard_contains (IsleFiber     *fiber,
                            gconstpointer  address)
{
  const guint8 *p = address;

  return p >= fiber->stack_lo - ISLE_FIBER_GUARD_BYTES && p < fiber->stack_lo;
}

const char *
_isle_fiber_get_switch_kind (void)
{
#if defined(ISLE_FIBER_ASM_X86_64)
  return "x86_64";
#elif defined(ISLE_FIBER_ASM_AARCH64)
  return "aarch64";
#else
  return "ucontext";
#endif
}

/* Stacks ------------------------------------------------------------------ */

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
#define ISLE_FIBER_SLAB_BYTES (16 * 1024 * 1024)
/* Small stacks would put hundreds in a slab, and a slab is unmapped only
 * when all its stacks are free: 64 keeps the stacks one long-lived task
 * pins to a slab's worth at most without changing the mapping count much
 * (a slab is one mapping where guards are free). */
#define ISLE_FIBER_SLAB_MAX_STACKS 64

/* With mprotect() guards every stack costs two mappings; stop this many
 * short of vm.max_map_count, so that malloc(), iconv, thread creation and
 * the rest of the program still have mappings to use when fibers have
 * taken theirs. The count is the process's, not only Isle's: a program
 * that holds 40,000 mappings of its own has that much less room. */
#define ISLE_FIBER_MAP_COUNT_RESERVE 2048

/* Counting the process's mappings means reading /proc/self/maps, a line
 * per mapping: about 1 ms per 10,000 lines. So Isle counts its own guards,
 * and reads the real count again only when its guards since the last
 * count have taken half of the room that count left (a few reads on the
 * way to the limit, more as it nears), or when its estimate says there is
 * no room left, at most every ISLE_FIBER_RECOUNT_USEC then, so that a
 * program that keeps spawning at the limit does not pay a read each time. */
#define ISLE_FIBER_RECOUNT_USEC (50 * G_TIME_SPAN_MILLISECOND)

struct _IsleFiberSlab
{
  IsleFiberSlab *prev;       /* in the pool's list of slabs with room */
  IsleFiberSlab *next;
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
_isle_fiber_force_mprotect_guards (void)
{
  g_atomic_int_set (&guard_kind, GUARD_MPROTECT);
}

const char *
_isle_fiber_get_guard_kind (void)
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
_isle_fiber_set_guard_mappings_limit (gsize limit)
{
  guard_mappings_limit_override = limit;
}

void
_isle_fiber_set_map_count_limit (gsize limit)
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

  return MAX (max_map_count, 2 * ISLE_FIBER_MAP_COUNT_RESERVE) - ISLE_FIBER_MAP_COUNT_RESERVE;
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
              now - counted_at >= ISLE_FIBER_RECOUNT_USEC;
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
  gsize page = ISLE_FIBER_GUARD_BYTES;
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
slab_unlink (IsleFiberPool *pool,
             IsleFiberSlab *slab)
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
slab_link (IsleFiberPool *pool,
           IsleFiberSlab *slab)
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

static IsleFiberSlab *
slab_new (gsize    stride,
          GError **error)
{
  IsleFiberSlab *slab;
  guint n_stacks = CLAMP (ISLE_FIBER_SLAB_BYTES / stride, 1, ISLE_FIBER_SLAB_MAX_STACKS);
  gsize map_size = n_stacks * stride;
  guint8 *base;

  base = mmap (NULL, map_size, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
               -1, 0);
  if (base == MAP_FAILED)
    {
      set_stack_error (error, stride - ISLE_FIBER_GUARD_BYTES, errno, "map");
      return NULL;
    }

  slab = g_new0 (IsleFiberSlab, 1);
  slab->fibers = g_aligned_alloc0 (n_stacks, sizeof (IsleFiber), 64);
  slab->base = base;
  slab->map_size = map_size;
  slab->stride = stride;
  slab->n_stacks = n_stacks;

  return slab;
}

static void
slab_free (IsleFiberSlab *slab)
{
  guint i;

  g_assert (slab->n_out == 0);

  for (i = 0; i < slab->n_carved; i++)
    {
      guint8 *stack_lo = slab->base + i * slab->stride + ISLE_FIBER_GUARD_BYTES;
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

/* Makes the next stack of a slab that has never been used. */
static IsleFiber *
slab_carve (IsleFiberSlab  *slab,
            GError        **error)
{
  guint8 *region = slab->base + slab->n_carved * slab->stride;
  IsleFiber *fiber;

  if (!install_guard (region))
    {
      set_stack_error (error, slab->stride - ISLE_FIBER_GUARD_BYTES, errno, "guard");
      return NULL;
    }

  /* The header is not on the stack: an overflow of the stack above this
   * one cannot reach it. */
  fiber = &slab->fibers[slab->n_carved];
  fiber->slab = slab;
  fiber->stack_lo = region + ISLE_FIBER_GUARD_BYTES;
  fiber->stack_size = slab->stride - ISLE_FIBER_GUARD_BYTES;
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
_isle_fiber_pool_init (IsleFiberPool *pool)
{
  memset (pool, 0, sizeof *pool);
  pool->max_warm = ISLE_FIBER_POOL_MAX;
}

/* Gives a stack back to its slab, unmapping the slab once all of its
 * stacks are back. */
static void
pool_return_cold (IsleFiberPool *pool,
                  IsleFiber     *fiber)
{
  IsleFiberSlab *slab = fiber->slab;

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
_isle_fiber_pool_clear (IsleFiberPool *pool)
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
_isle_fiber_pool_acquire (IsleFiberPool  *pool,
                          gsize           stack_size,
                          GError        **error)
{
  gsize stride = _isle_fiber_round_stack_size (stack_size) + ISLE_FIBER_GUARD_BYTES;
  IsleFiberSlab *slab;
  IsleFiber **link;
  IsleFiber *fiber;

  if (G_UNLIKELY (fail_next_allocations > 0))
    {
      fail_next_allocations--;
      set_stack_error (error, stride - ISLE_FIBER_GUARD_BYTES, ENOMEM, "map");
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
_isle_fiber_pool_release (IsleFiberPool *pool,
                          IsleFiber     *fiber)
{
  g_assert (fiber->done);

  if (pool->n_warm >= pool->max_warm)
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
