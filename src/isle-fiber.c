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
 * Each stack is one mmap'd region: a guard page at the low end, the usable
 * stack above it, and the IsleFiber header in the topmost bytes, so a fiber
 * costs no allocation besides its mapping and touches a single page while it
 * stays shallow.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gio/gio.h>

#include "isle-fiber-private.h"

#if HAVE_VALGRIND
# include <valgrind/valgrind.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
# define ISLE_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define ISLE_ASAN 1
# endif
#endif

#ifdef ISLE_ASAN
# include <sanitizer/asan_interface.h>
# include <sanitizer/common_interface_defs.h>
#endif

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

/* How many warm stacks an island keeps for reuse. Enough for bursts of
 * short tasks (spawn_seq reuses one); a pooled stack keeps the pages its
 * last task touched, so the pool is not larger. */
#define ISLE_FIBER_POOL_MAX 32

struct _IsleFiber
{
  /* Saved stack pointers: the fiber's while it is suspended, and the
   * scheduler's (whoever resumed it) while it runs. */
  void          *sp;
  void          *return_sp;

  IsleFiberFunc  func;
  gpointer       data;

  guint8        *map_base;    /* (owned) the whole mapping, guard page first */
  gsize          map_size;
  guint8        *stack_lo;    /* lowest usable address, above the guard page */
  gsize          stack_size;  /* usable bytes, below this header */
  IsleFiber     *pool_next;
  gboolean       done;

#if HAVE_VALGRIND
  unsigned       valgrind_stack_id;
#endif
#ifdef ISLE_ASAN
  const void    *return_stack_lo;
  gsize          return_stack_size;
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

  /* The header lives in the stack's top bytes; a stack must have room for
   * it and a few frames whatever the caller asked for. */
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
 * registers and the SSE/x87 control words, store the stack pointer in
 * *save_sp, load load_sp and pop the same set from there. */
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
  "  subq $8, %rsp\n"
  "  stmxcsr (%rsp)\n"
  "  fnstcw 4(%rsp)\n"
  "  movq %rsp, (%rdi)\n"
  "  movq %rsi, %rsp\n"
  "  ldmxcsr (%rsp)\n"
  "  fldcw 4(%rsp)\n"
  "  addq $8, %rsp\n"
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
  "  sub sp, sp, #160\n"
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
  "  add sp, sp, #160\n"
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

/* Referenced from the trampoline's assembly, hence not static. */
G_GNUC_NORETURN void isle_fiber_entry (IsleFiber *fiber);

G_GNUC_NORETURN void
isle_fiber_entry (IsleFiber *fiber)
{
#ifdef ISLE_ASAN
  asan_finish_switch (NULL, &fiber->return_stack_lo, &fiber->return_stack_size);
#else
  asan_finish_switch (NULL, NULL, NULL);
#endif

  fiber->func (fiber->data);
  fiber->done = TRUE;

  /* The last switch out: NULL tells AddressSanitizer this stack's frames
   * are gone for good. Nothing resumes this context; a restarted fiber
   * gets a fresh one from _isle_fiber_start(). */
#ifdef ISLE_ASAN
  asan_start_switch (NULL, fiber->return_stack_lo, fiber->return_stack_size);
#endif
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
     * trampoline, %rsp is 16-byte aligned, as the call it makes needs. */
    guintptr top = ((guintptr) fiber - 16) & ~(guintptr) 15;
    guint64 *frame = (guint64 *) (top - 64);

    frame[0] = 0x037F00001F80ull;   /* default x87 control word, MXCSR */
    frame[1] = 0;                   /* r15 */
    frame[2] = 0;                   /* r14 */
    frame[3] = 0;                   /* r13 */
    frame[4] = (guintptr) fiber;    /* r12: the trampoline's argument */
    frame[5] = 0;                   /* rbx */
    frame[6] = 0;                   /* rbp */
    frame[7] = (guintptr) isle_fiber_trampoline;
    fiber->sp = frame;
  }
#elif defined(ISLE_FIBER_ASM_AARCH64)
  {
    guintptr top = ((guintptr) fiber - 16) & ~(guintptr) 15;
    guint64 *frame = (guint64 *) (top - 160);

    memset (frame, 0, 160);
    frame[0] = (guintptr) fiber;                  /* x19 */
    frame[11] = (guintptr) isle_fiber_trampoline; /* x30 */
    fiber->sp = frame;
  }
#else
  getcontext (&fiber->context);
  fiber->context.uc_stack.ss_sp = fiber->stack_lo;
  fiber->context.uc_stack.ss_size = fiber->stack_size - 64;
  fiber->context.uc_link = NULL;
  makecontext (&fiber->context, (void (*) (void)) ucontext_entry, 2,
               (unsigned) ((guintptr) fiber >> 32),
               (unsigned) ((guintptr) fiber & 0xffffffffu));
#endif
}

void
_isle_fiber_resume (IsleFiber *fiber)
{
  void *fake_stack = NULL;

  g_assert (!fiber->done);

  asan_start_switch (&fake_stack, fiber->stack_lo, fiber->stack_size);
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
#if defined(ISLE_FIBER_UCONTEXT)
  swapcontext (&fiber->context, &fiber->return_context);
#else
  isle_fiber_swap (&fiber->sp, fiber->return_sp);
#endif
  /* Whoever resumes us next may run on another stack (an island driven
   * from inside another island's fiber), so learn it afresh. */
#ifdef ISLE_ASAN
  asan_finish_switch (fake_stack, &fiber->return_stack_lo, &fiber->return_stack_size);
#else
  asan_finish_switch (fake_stack, NULL, NULL);
#endif
}

gboolean
_isle_fiber_is_done (IsleFiber *fiber)
{
  return fiber->done;
}

gsize
_isle_fiber_get_stack_size (IsleFiber *fiber)
{
  return fiber->stack_size;
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

static IsleFiber *
fiber_map (gsize    stack_size,
           GError **error)
{
  gsize page = page_size ();
  gsize map_size = stack_size + page;
  guint8 *base;
  IsleFiber *fiber;
  int saved_errno;

  if (G_UNLIKELY (fail_next_allocations > 0))
    {
      fail_next_allocations--;
      base = MAP_FAILED;
      errno = ENOMEM;
    }
  else
    {
      base = mmap (NULL, map_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);
    }

  if (base == MAP_FAILED)
    goto failed;

  if (mprotect (base, page, PROT_NONE) != 0)
    {
      saved_errno = errno;
      munmap (base, map_size);
      errno = saved_errno;
      goto failed;
    }

  /* The header takes the top of the stack, where the first frames would
   * be, so it shares their page. */
  fiber = (IsleFiber *) (base + map_size - ((sizeof (IsleFiber) + 63) & ~(gsize) 63));
  memset (fiber, 0, sizeof *fiber);
  fiber->map_base = base;
  fiber->map_size = map_size;
  fiber->stack_lo = base + page;
  fiber->stack_size = (gsize) ((guint8 *) fiber - fiber->stack_lo);

#if HAVE_VALGRIND
  fiber->valgrind_stack_id = VALGRIND_STACK_REGISTER (fiber->stack_lo, (guint8 *) fiber);
#endif

  return fiber;

failed:
  saved_errno = errno;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
               "Could not map a fiber stack of %" G_GSIZE_FORMAT " KiB: %s. "
               "Each live fiber task needs its own mapping and the kernel "
               "limits a process to vm.max_map_count of them (about 30,000 "
               "live fibers by default); use poll tasks for very many tasks, "
               "or raise the limit",
               stack_size / 1024, g_strerror (saved_errno));
  return NULL;
}

static void
fiber_unmap (IsleFiber *fiber)
{
  guint8 *base = fiber->map_base;
  gsize map_size = fiber->map_size;

#if HAVE_VALGRIND
  VALGRIND_STACK_DEREGISTER (fiber->valgrind_stack_id);
#endif
#ifdef ISLE_ASAN
  /* Frames that never returned (the last switch out) leave their redzones
   * poisoned; whatever is mapped here next must not inherit them. */
  ASAN_UNPOISON_MEMORY_REGION (fiber->stack_lo, fiber->stack_size);
#endif

  munmap (base, map_size);
}

void
_isle_fiber_pool_init (IsleFiberPool *pool)
{
  pool->free_list = NULL;
  pool->n_free = 0;
  pool->max_free = ISLE_FIBER_POOL_MAX;
}

void
_isle_fiber_pool_clear (IsleFiberPool *pool)
{
  while (pool->free_list != NULL)
    {
      IsleFiber *fiber = pool->free_list;

      pool->free_list = fiber->pool_next;
      fiber_unmap (fiber);
    }
  pool->n_free = 0;
}

IsleFiber *
_isle_fiber_pool_acquire (IsleFiberPool  *pool,
                          gsize           stack_size,
                          GError        **error)
{
  IsleFiber **link;
  gsize wanted = _isle_fiber_round_stack_size (stack_size);

  for (link = &pool->free_list; *link != NULL; link = &(*link)->pool_next)
    {
      IsleFiber *fiber = *link;

      if (fiber->map_size == wanted + page_size ())
        {
          *link = fiber->pool_next;
          fiber->pool_next = NULL;
          pool->n_free--;
          return fiber;
        }
    }

  return fiber_map (wanted, error);
}

void
_isle_fiber_pool_release (IsleFiberPool *pool,
                          IsleFiber     *fiber)
{
  g_assert (fiber->done);

  if (pool->n_free >= pool->max_free)
    {
      fiber_unmap (fiber);
      return;
    }

#ifdef ISLE_ASAN
  ASAN_UNPOISON_MEMORY_REGION (fiber->stack_lo, fiber->stack_size);
#endif

  fiber->pool_next = pool->free_list;
  pool->free_list = fiber;
  pool->n_free++;
}
